import { DeliveredMessages } from './delivered-messages.js';
import { credentialsIn } from '../../run/redact.js';
import gotDefault, { type Got, type Options, type OptionsInit, type Request } from 'got';
import type { Decision } from '../../core/engine/types.js';
import type { ArgumentCheck } from '../../run/validate-arguments.js';
import { hasStreamBody, requestOptions, STREAM_BODY_REASON } from './attempt-options.js';
import { CallContext, createSetup, endedDecision, type Observation } from '../../run/call-context.js';
import { runTries } from '../../run/runner.js';
import { decideCounted, type AttemptCounters } from '../../run/try-judge.js';
import { noStreamFailure, openOne } from './stream-try.js';
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, ndjsonLines, parseLine } from './ndjson-lines.js';
import { checkGotOption, type PolicyArgument, type ResilienceOptions } from './options.js';
import { checkResilienceOptions } from '../../run/run-options.js';
import { signalHeaders } from './wire-signal.js';
import { networkObservation } from '../../run/observation.js';

/** Options of {@link readVendorMessages}. */
export interface VendorMessagesOptions extends ResilienceOptions {
  /** got options of the request (method, headers, body or json). */
  request?: OptionsInit | undefined;
  /** The got instance whose defaults the request starts from; plain `got` by default. */
  got?: Got | undefined;
  /**
   * The longest line (message) held, in bytes (8 MiB by default); a longer one ends the call with
   * a `fail` whose reason says so, before more of it is read.
   */
  maxLineBytes?: number | undefined;
}

/** How one try of the stream ended. */
type TryEnd =
  | { done: true }
  | {
      done: false;
      decision: Decision;
      attempt: number;
      status: number | undefined;
      cause?: unknown;
      /** The vendor's own words about what ended the try (an error line's message), for the error. */
      vendorMessage?: string | undefined;
    };

/**
 * Reads a JSON message stream (NDJSON, e.g. Gradium `/api/post/speech/asr` or TTS with
 * `only_audio: false`) and yields each message. Every line is shown to the engine (phase
 * `stream`); an error line before anything was yielded is handled like a failed request (retry,
 * back off or fail, per the decision); after output was yielded it throws a `VendorError` whose
 * `partialOutput` holds the messages already delivered (the newest, within 8 MiB of their
 * lines: `PARTIAL_OUTPUT_BYTES`). Failures before the stream starts, and an empty
 * 200, are decided like any response.
 */
export async function* readVendorMessages(
  policy: PolicyArgument,
  url: string | URL,
  options: VendorMessagesOptions = {},
): AsyncGenerator<unknown> {
  // A generator's body runs at the first next(): these checks still come before any request.
  const check: ArgumentCheck = checkResilienceOptions('readVendorMessages', policy, options);
  check.that(typeof url === 'string' || url instanceof URL, 'url', 'a string or a URL', url);
  check.options('options.request', options.request);
  checkGotOption(check, options.got);
  check.numberType('options.maxLineBytes', options.maxLineBytes);
  const setup = createSetup(policy, options);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!(Number.isInteger(maxLineBytes) && maxLineBytes > 0)) {
    throw new RangeError(
      `readVendorMessages: options.maxLineBytes must be a positive whole number of bytes (got ${String(options.maxLineBytes)})`,
    );
  }
  const base = requestOptions(url, options.request, (options.got ?? gotDefault).defaults.options);
  const context = new CallContext(setup, {
    signal: options.signal,
    secrets: credentialsIn(base.url, base.headers),
  });
  try {
    yield* messagesOf(base, context, maxLineBytes);
  } catch (error) {
    throw context.stoppedBy(error);
  } finally {
    context.end();
  }
}

/** The tries and messages of one {@link readVendorMessages} call. */
async function* messagesOf(
  base: Options,
  context: CallContext,
  maxLineBytes: number,
): AsyncGenerator<unknown> {
  const counters: AttemptCounters = { failures: 0, polls: 0 };
  const delivered = new DeliveredMessages();
  const bodyIsStream = hasStreamBody(base);
  for (;;) {
    const {
      result,
      decision: accepted,
      tries,
    } = await runTries({
      context,
      phase: 'submit',
      accept: new Set(['ok']),
      counters,
      sendTry: (n) => openOne(base, context, n),
      // A stream body is consumed by the first try: a resend would upload an empty body.
      ...(bodyIsStream ? { cannotResend: () => STREAM_BODY_REASON } : {}),
    });
    const request: Request | undefined = result.value;
    if (!request) throw noStreamFailure(context, accepted, tries, result.observation.status);
    const status = request.response?.statusCode;
    let end: TryEnd = { done: true };
    let sawLine = false;
    try {
      for await (const line of ndjsonLines(request, maxLineBytes)) {
        sawLine = true;
        const observation: Observation = { transport: 'http', status: status ?? 200, streamLine: line };
        const counted = decideCounted(context, observation, 'stream', counters);
        if (counted.decision.action === 'ok') {
          const message = parseLine(line);
          delivered.add(message, line.length);
          yield message;
          continue;
        }
        context.report(counted.decision, 'stream', counted.attempt, status);
        end = {
          done: false,
          ...counted,
          status,
          vendorMessage: context.vendorMessage(observation, 'stream'),
        };
        break;
      }
      if (end.done && !sawLine) {
        // A 200 with no message at all is a response in its own right (Gradium's silent empty 200).
        const headers = signalHeaders(request.response?.headers ?? {});
        const observation: Observation = { transport: 'http', status: status ?? 200, headers, body: '' };
        const counted = decideCounted(context, observation, 'submit', counters);
        context.report(counted.decision, 'submit', counted.attempt, status);
        if (counted.decision.action !== 'ok') {
          end = {
            done: false,
            ...counted,
            status,
            vendorMessage: context.vendorMessage(observation, 'submit'),
          };
        }
      }
    } catch (error) {
      context.throwIfAborted();
      const counted = decideCounted(context, networkObservation(error), 'stream', counters);
      context.report(counted.decision, 'stream', counted.attempt, status);
      // A line past the limit is this client's own bound: whatever the engine allows, the call ends.
      const decision =
        error instanceof LineTooLongError ? endedDecision(counted.decision, error.message) : counted.decision;
      end = { done: false, decision, attempt: counted.attempt, status, cause: error };
    } finally {
      request.destroy();
    }
    if (end.done) {
      context.settle();
      return;
    }
    end = { ...end, decision: await context.recorded(end.decision) };
    const resend = end.decision.action === 'retry' || end.decision.action === 'backoff';
    const extra = {
      cause: end.cause,
      partialOutput: delivered.partialOutput(),
      vendorMessage: end.vendorMessage,
    };
    if (!resend) throw context.failure(end.decision, end.attempt, end.status, extra);
    if (delivered.count > 0 || bodyIsStream) {
      const why =
        delivered.count > 0
          ? `${delivered.count} messages were already delivered to the caller, so it is not retried`
          : 'the request body was a stream';
      throw context.failure(endedDecision(end.decision, why), end.attempt, end.status, extra);
    }
    counters.failures++;
    await context.wait(end.decision, { attempts: end.attempt, status: end.status, cause: end.cause });
  }
}
