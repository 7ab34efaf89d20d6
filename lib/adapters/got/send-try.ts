import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Options, Response } from 'got';
import type { Phase } from '../../core/engine/types.js';
import { untilAborted } from '../../run/until-aborted.js';
import { addSentCredentials, attemptOptions, startTry, type TryPromise } from './attempt-options.js';
import type { CallContext } from '../../run/call-context.js';
import type { JobReply } from '../../run/job-loop.js';
import type { TryResult } from '../../run/try-judge.js';
import { responseObservation } from './wire-signal.js';
import { MAX_SIGNAL_BODY_BYTES, networkObservation } from '../../run/observation.js';
import { ERROR_BODY_WAIT_MS } from '../../run/body-head.js';
import { startTimer, type TimeSource } from '../../run/time-source.js';

/** A got promise event listener the caller registered (`downloadProgress`, …), attached to every try. */
export type EventListenerPair = [event: string, listener: (...args: unknown[]) => void];

/** got 14's `cancel()` of a try (got 15 and 16 tear a request down through the signal themselves). */
function cancelTry(pending: TryPromise): () => void {
  return () => (pending as { cancel?: () => void }).cancel?.();
}

/**
 * An error response whose body was judged before its end, and what of it arrived: it had not ended
 * {@link ERROR_BODY_WAIT_MS} after its headers, or {@link MAX_SIGNAL_BODY_BYTES} of it were in.
 */
interface CutReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Closes the response's connection (got then rejects the try, which nobody awaits any more). */
  destroy: () => void;
}

/**
 * Watches the try's error response (status 400 and up; a redirect got follows is not one): got's
 * promise settles only once the whole body is in, so a body that stalls after its headers would
 * hold the call (and its pacer turn) for as long as the server keeps the connection open, and a
 * huge one would be held whole in memory though the engine reads only its start. `cut` resolves
 * when the body has not ended {@link ERROR_BODY_WAIT_MS} after the headers, on the call's clock,
 * or once {@link MAX_SIGNAL_BODY_BYTES} of it arrived before its end (as the fetch entry's jobs
 * and readVendorMessages read no more), with what arrived (its first bytes, when not compressed);
 * never otherwise.
 */
function watchErrorBody(pending: TryPromise, time: TimeSource): { cut: Promise<CutReply>; stop: () => void } {
  let stop = (): void => undefined;
  const cut = new Promise<CutReply>((resolve) => {
    pending.on('request', (clientRequest: ClientRequest) => {
      clientRequest.once('response', (native: IncomingMessage) => {
        const status = native.statusCode ?? 0;
        if (status < 400) return;
        // While got is not reading the body yet (it awaits a cookie jar first), a 'data' listener
        // would start the flow and take chunks got never sees.
        const flowing = native.readableFlowing !== null;
        // Compressed bytes say nothing to the engine: then the status and headers are judged
        // alone, and the bytes are only counted.
        const encoding = native.headers['content-encoding'];
        const kept = encoding === undefined || encoding === 'identity';
        const chunks: Buffer[] = [];
        let size = 0;
        const judge = (): void => {
          stop();
          const body = kept ? Buffer.concat(chunks, size) : Buffer.alloc(0);
          resolve({
            status,
            headers: native.headers,
            body: body.subarray(0, MAX_SIGNAL_BODY_BYTES),
            destroy: () => native.destroy(),
          });
        };
        const onData = (chunk: Buffer): void => {
          if (kept) chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_SIGNAL_BODY_BYTES) judge();
        };
        // A 'data' listener beside got's 'readable' one sees what got reads, without taking it.
        if (flowing) native.on('data', onData);
        const cancelTimer = startTimer(time, judge, ERROR_BODY_WAIT_MS, { unref: true });
        stop = () => {
          cancelTimer();
          native.off('data', onData);
        };
        native.once('end', stop);
      });
    });
  });
  return { cut, stop: () => stop() };
}

/** Ends a try whose cut reply was judged: got 14's `cancel()`, and its connection closed; its rejection is ignored. */
function abandon(pending: TryPromise, cutReply: CutReply): void {
  pending.catch(() => undefined);
  (pending as { cancel?: () => void }).cancel?.();
  cutReply.destroy();
}

/**
 * Sends one promise-API try and reports what happened on the wire: the whole response (any
 * status), or the transport error as a network observation. Only an abort is thrown. An error
 * status's body is waited for at most {@link ERROR_BODY_WAIT_MS} on the call's clock, and read no
 * further than {@link MAX_SIGNAL_BODY_BYTES}: one that stalls or goes on is judged by what arrived,
 * and the try is torn down. `start` begins the try (by default a
 * fresh got request from `base`).
 */
export async function sendTry(
  base: Options,
  context: CallContext,
  tryNumber: number,
  phase: Phase,
  listeners: readonly EventListenerPair[] = [],
  start?: () => TryPromise,
): Promise<TryResult<JobReply | undefined>> {
  let stopWatch: (() => void) | undefined;
  try {
    const pending = start
      ? start()
      : (startTry(attemptOptions(base, context, tryNumber, phase, false)) as TryPromise);
    for (const [event, listener] of listeners) pending.on(event, listener);
    pending.on('request', (sent: ClientRequest) => addSentCredentials(context, sent));
    const watch = watchErrorBody(pending, context.setup.time);
    stopWatch = watch.stop;
    const settled = context.signal ? untilAborted(pending, context.signal, cancelTry(pending)) : pending;
    const first = await Promise.race([settled, watch.cut.then((cutReply) => ({ cutReply }))]);
    if ('cutReply' in first) {
      settled.catch(() => undefined);
      abandon(pending, first.cutReply);
      const { status, headers, body } = first.cutReply;
      return { observation: responseObservation(status, headers, body), value: { status, body } };
    }
    const response: Response = first;
    return {
      observation: responseObservation(response.statusCode, response.headers, response.rawBody, true),
      value: { status: response.statusCode, body: response.rawBody },
    };
  } catch (error) {
    context.throwIfAborted();
    return { observation: networkObservation(error), value: undefined, cause: error };
  } finally {
    stopWatch?.();
  }
}
