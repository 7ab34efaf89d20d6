import type { Options, Request, Response } from 'got';
import type { ClientRequest } from 'node:http';
import { addSentCredentials, attemptOptions, startTry } from './attempt-options.js';
import type { Decision } from '../../core/engine/types.js';
import type { VendorError } from '../../run/vendor-error.js';
import { endedDecision, type CallContext } from '../../run/call-context.js';
import { ERROR_BODY_WAIT_MS, readBodyHead } from '../../run/body-head.js';
import type { TryResult } from '../../run/try-judge.js';
import { responseObservation, signalHeaders } from './wire-signal.js';
import { MAX_SIGNAL_BODY_BYTES, networkObservation } from '../../run/observation.js';

/** Opens one try and settles when its response is known: a 2xx hands the live stream back, an error status its body. */
export function openOne(
  base: Options,
  context: CallContext,
  tryNumber: number,
): Promise<TryResult<Request | undefined>> {
  return new Promise((resolve) => {
    const request = startTry(attemptOptions(base, context, tryNumber, 'submit', true)) as Request;
    request.on('request', (sent: ClientRequest) => addSentCredentials(context, sent));
    // A try that is over (an error status read, a transport error) can still be destroyed by got's
    // listener on the caller's signal, which emits 'error' again: with no listener left, that
    // would be an uncaught exception ending the process.
    const settleQuietly = (): void => {
      request.on('error', () => undefined);
    };
    const onError = (error: unknown): void => {
      settleQuietly();
      request.destroy();
      resolve({ observation: networkObservation(error), value: undefined, cause: error });
    };
    request.once('error', onError);
    request.once('response', (response: Response) => {
      if (response.ok) {
        request.off('error', onError);
        // Until the caller's loop reads it, the stream has no listener of its own: an error the
        // socket raises meanwhile (its first chunk arrived with the headers, and is malformed)
        // would be an uncaught exception. The stream keeps the error, and the read throws it.
        settleQuietly();
        request.pause();
        resolve({
          observation: {
            transport: 'http',
            status: response.statusCode,
            headers: signalHeaders(response.headers),
          },
          value: request,
        });
        return;
      }
      // The engine reads no more of the body than its start, and waits for it a bounded time; a
      // transport error before that is a network failure (onError).
      const { time } = context.setup;
      void readBodyHead(request, MAX_SIGNAL_BODY_BYTES, ERROR_BODY_WAIT_MS, time).done.then((body) => {
        request.off('error', onError);
        settleQuietly();
        request.destroy();
        resolve({
          observation: responseObservation(response.statusCode, response.headers, body),
          value: undefined,
        });
      });
    });
  });
}

/**
 * The typed error for a try the engine accepted that has no body to stream: a status the engine
 * reads as "not an error" (a 3xx got did not follow, a 1xx) is not a 2xx stream either.
 */
export function noStreamFailure(
  context: CallContext,
  decision: Decision,
  tries: number,
  status: number | undefined,
): VendorError {
  const why = `status ${status ?? 'unknown'} is not a 2xx response with a body to stream`;
  return context.failure(endedDecision(decision, why), tries, status);
}
