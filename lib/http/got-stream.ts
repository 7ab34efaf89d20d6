import { PassThrough, type Readable } from 'node:stream';
import type { Options, Request, Response } from 'got';
import { decideCounted, runAttempts, type AttemptCounters, type TryResult } from './attempt-loop.js';
import {
  attemptOptions,
  combinedSignal,
  hasStreamBody,
  requestCredentials,
  startTry,
  STREAM_BODY_REASON,
} from './attempt-options.js';
import type { Decision } from '../engine/types.js';
import type { VendorError } from '../errors/vendor-error.js';
import { CallContext, endedDecision, type ResilienceSetup } from './call-context.js';
import {
  MAX_SIGNAL_BODY_BYTES,
  networkObservation,
  responseObservation,
  signalHeaders,
} from './wire-signal.js';

/** Opens one try and settles when its response is known: a 2xx hands the live stream back, an error status its body. */
export function openOne(
  base: Options,
  context: CallContext,
  tryNumber: number,
): Promise<TryResult<Request | undefined>> {
  return new Promise((resolve) => {
    const request = startTry(attemptOptions(base, context, tryNumber, 'submit', true)) as Request;
    const onError = (error: unknown): void => {
      request.destroy();
      resolve({ observation: networkObservation(error), value: undefined, cause: error });
    };
    request.once('error', onError);
    request.once('response', (response: Response) => {
      if (response.ok) {
        request.off('error', onError);
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
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        if (size < MAX_SIGNAL_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      request.once('end', () => {
        request.off('error', onError);
        resolve({
          observation: responseObservation(response.statusCode, response.headers, Buffer.concat(chunks)),
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

/** Pipes an accepted response into the caller's stream; resolves with the error that cut it short, if any. */
function forward(request: Request, output: PassThrough, onBytes: (n: number) => void): Promise<unknown> {
  return new Promise((resolve) => {
    request.on('data', (chunk: Buffer) => {
      onBytes(chunk.length);
      if (!output.write(chunk)) {
        request.pause();
        output.once('drain', () => request.resume());
      }
    });
    request.once('end', () => resolve(undefined));
    request.once('error', (error) => resolve(error));
    output.once('close', () => request.destroy());
    request.resume();
  });
}

/**
 * Runs one `got.stream` call under the engine. Failures before the first byte reached the caller
 * are handled like failed requests (retry, back off, fail); after that, the stream is destroyed
 * with a {@link VendorError} reporting how many bytes were delivered.
 */
export function resilientStream(
  setup: ResilienceSetup,
  options: Options,
  requestSignal?: AbortSignal,
): Readable {
  const output = new PassThrough();
  let deliveredBytes = 0;
  const drive = async (): Promise<void> => {
    const context = new CallContext(
      setup,
      combinedSignal(setup.options.signal, requestSignal ?? (options.signal as AbortSignal | undefined)),
      requestCredentials(options),
    );
    const counters: AttemptCounters = { failures: 0, polls: 0 };
    const streamBody = hasStreamBody(options);
    for (;;) {
      const {
        result,
        decision: accepted,
        tries,
      } = await runAttempts({
        context,
        phase: 'submit',
        accept: new Set(['ok']),
        counters,
        sendTry: (n) => openOne(options, context, n),
        cannotResend: () => (streamBody ? STREAM_BODY_REASON : undefined),
      });
      const request = result.value;
      if (!request) throw noStreamFailure(context, accepted, tries, result.observation.status);
      output.emit('response', request.response);
      const cut = await forward(request, output, (n) => (deliveredBytes += n));
      if (cut === undefined) {
        output.end();
        return;
      }
      context.throwIfAborted();
      const counted = decideCounted(context, networkObservation(cut), 'stream', counters);
      const attempt = counted.attempt;
      const decision = await context.recorded(counted.decision);
      context.report(decision, 'stream', attempt, undefined);
      const resend = decision.action === 'retry' || decision.action === 'backoff';
      if (resend && deliveredBytes === 0 && !streamBody) {
        counters.failures++;
        await context.wait(decision, { attempts: attempt, status: undefined, cause: cut });
        continue;
      }
      const ended = !resend
        ? decision
        : endedDecision(
            decision,
            deliveredBytes > 0
              ? `${deliveredBytes} bytes were already delivered to the caller, so it is not retried`
              : STREAM_BODY_REASON,
          );
      throw context.failure(ended, attempt, request.response?.statusCode, {
        cause: cut,
        partialOutput: { bytes: deliveredBytes },
      });
    }
  };
  drive().catch((error: unknown) =>
    output.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return output;
}
