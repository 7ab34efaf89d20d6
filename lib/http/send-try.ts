import type { Options, Response } from 'got';
import type { Phase } from '../engine/types.js';
import type { TryResult } from './attempt-loop.js';
import { attemptOptions, startTry, type TryPromise } from './attempt-options.js';
import type { CallContext } from './call-context.js';
import { networkObservation, responseObservation } from './wire-signal.js';

/** A got promise event listener the caller registered (`downloadProgress`, …), attached to every try. */
export type EventListenerPair = [event: string, listener: (...args: unknown[]) => void];

/**
 * Sends one promise-API try and reports what happened on the wire: the whole response (any
 * status), or the transport error as a network observation. Only an abort is thrown.
 */
export async function sendTry(
  base: Options,
  context: CallContext,
  tryNumber: number,
  phase: Phase,
  listeners: readonly EventListenerPair[] = [],
): Promise<TryResult<Response | undefined>> {
  const options = attemptOptions(base, context, tryNumber, phase, false);
  try {
    const pending = startTry(options) as TryPromise;
    for (const [event, listener] of listeners) pending.on(event, listener);
    const response = await pending;
    return {
      observation: responseObservation(response.statusCode, response.headers, response.rawBody),
      value: response,
    };
  } catch (error) {
    context.throwIfAborted();
    return { observation: networkObservation(error), value: undefined, cause: error };
  }
}
