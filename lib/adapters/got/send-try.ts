import type { Options, Response } from 'got';
import type { Phase } from '../../core/engine/types.js';
import { abortReason } from '../../run/sleep.js';
import { attemptOptions, startTry, type TryPromise } from './attempt-options.js';
import type { CallContext } from '../../run/call-context.js';
import type { TryResult } from '../../run/try-judge.js';
import { responseObservation } from './wire-signal.js';
import { networkObservation } from '../../run/observation.js';

/** A got promise event listener the caller registered (`downloadProgress`, …), attached to every try. */
export type EventListenerPair = [event: string, listener: (...args: unknown[]) => void];

/**
 * Settles with the try, or rejects with the abort reason as soon as the signal fires. The request
 * is torn down by got itself when it listens to the signal, else by got 14's `cancel()`.
 */
function untilAborted(pending: TryPromise, signal: AbortSignal): Promise<Response> {
  const cancel = (): void => (pending as { cancel?: () => void }).cancel?.();
  if (signal.aborted) {
    cancel();
    pending.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Sends one promise-API try and reports what happened on the wire: the whole response (any
 * status), or the transport error as a network observation. Only an abort is thrown.
 * `start` begins the try (by default a fresh got request from `base`).
 */
export async function sendTry(
  base: Options,
  context: CallContext,
  tryNumber: number,
  phase: Phase,
  listeners: readonly EventListenerPair[] = [],
  start?: () => TryPromise,
): Promise<TryResult<Response | undefined>> {
  try {
    const pending = start
      ? start()
      : (startTry(attemptOptions(base, context, tryNumber, phase, false)) as TryPromise);
    for (const [event, listener] of listeners) pending.on(event, listener);
    const response = await (context.signal ? untilAborted(pending, context.signal) : pending);
    return {
      observation: responseObservation(response.statusCode, response.headers, response.rawBody),
      value: response,
    };
  } catch (error) {
    context.throwIfAborted();
    return { observation: networkObservation(error), value: undefined, cause: error };
  }
}
