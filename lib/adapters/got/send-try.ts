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

/** An error response whose body had not ended {@link ERROR_BODY_WAIT_MS} after its headers, and what of it arrived. */
interface StalledReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Closes the response's connection (got then rejects the try, which nobody awaits any more). */
  destroy: () => void;
}

/**
 * Watches the try's error response (status 400 and up; a redirect got follows is not one): got's
 * promise settles only once the whole body is in, so a body that stalls after its headers would
 * hold the call (and its pacer turn) for as long as the server keeps the connection open.
 * `stalled` resolves when the body has not ended {@link ERROR_BODY_WAIT_MS} after the headers, on
 * the call's clock, with what arrived (its first bytes, when not compressed); never otherwise.
 */
function watchErrorBody(
  pending: TryPromise,
  time: TimeSource,
): { stalled: Promise<StalledReply>; stop: () => void } {
  let stop = (): void => undefined;
  const stalled = new Promise<StalledReply>((resolve) => {
    pending.on('request', (clientRequest: ClientRequest) => {
      clientRequest.once('response', (native: IncomingMessage) => {
        const status = native.statusCode ?? 0;
        if (status < 400) return;
        // Compressed bytes say nothing to the engine: then the status and headers are judged alone.
        // So too while got is not reading the body yet (it awaits a cookie jar first): a 'data'
        // listener would then start the flow and take chunks got never sees.
        const encoding = native.headers['content-encoding'];
        const readable =
          (encoding === undefined || encoding === 'identity') && native.readableFlowing !== null;
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer): void => {
          if (size >= MAX_SIGNAL_BODY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        };
        // A 'data' listener beside got's 'readable' one sees what got reads, without taking it.
        if (readable) native.on('data', onData);
        const cancelTimer = startTimer(
          time,
          () => {
            native.off('data', onData);
            const body = Buffer.concat(chunks, size);
            resolve({
              status,
              headers: native.headers,
              body: body.subarray(0, MAX_SIGNAL_BODY_BYTES),
              destroy: () => native.destroy(),
            });
          },
          ERROR_BODY_WAIT_MS,
          { unref: true },
        );
        stop = () => {
          cancelTimer();
          native.off('data', onData);
        };
        native.once('end', stop);
      });
    });
  });
  return { stalled, stop: () => stop() };
}

/** Ends a try whose stalled reply was judged: got 14's `cancel()`, and its connection closed; its rejection is ignored. */
function abandon(pending: TryPromise, stalled: StalledReply): void {
  pending.catch(() => undefined);
  (pending as { cancel?: () => void }).cancel?.();
  stalled.destroy();
}

/**
 * Sends one promise-API try and reports what happened on the wire: the whole response (any
 * status), or the transport error as a network observation. Only an abort is thrown. An error
 * status's body is waited for at most {@link ERROR_BODY_WAIT_MS} on the call's clock: one that
 * stalls is judged by what arrived, and the try is torn down. `start` begins the try (by default a
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
    const first = await Promise.race([settled, watch.stalled.then((stalled) => ({ stalled }))]);
    if ('stalled' in first) {
      settled.catch(() => undefined);
      abandon(pending, first.stalled);
      const { status, headers, body } = first.stalled;
      return { observation: responseObservation(status, headers, body), value: { status, body } };
    }
    const response: Response = first;
    return {
      observation: responseObservation(response.statusCode, response.headers, response.rawBody),
      value: { status: response.statusCode, body: response.rawBody },
    };
  } catch (error) {
    context.throwIfAborted();
    return { observation: networkObservation(error), value: undefined, cause: error };
  } finally {
    stopWatch?.();
  }
}
