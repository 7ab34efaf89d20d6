import { CallContext, createSetup, type ResilienceSetup } from '../../run/call-context.js';
import { combinedSignal } from '../../run/combined-signal.js';
import { runTries } from '../../run/runner.js';
import type { TryResult } from '../../run/try-judge.js';
import { isVendorError } from '../../run/vendor-error.js';
import type { PolicyInput } from '../../core/policy/user-policy.js';
import {
  checkFetchArguments,
  DEFAULT_MAX_REPLAY_BODY_BYTES,
  type FetchFunction,
  type FetchInput,
  type ResilientFetchOptions,
} from './options.js';
import { ReplayableRequest } from './replayable-request.js';
import { responseObservation } from './response-signal.js';

/** What the engine accepts as the call's answer: everything else is resent or ends the call. */
const ACCEPT = new Set(['ok'] as const);

/**
 * A `fetch` whose every call runs under a vendor policy: each try is one call of the underlying
 * fetch, judged by the engine (status, headers, the start of an error body), paced, and resent
 * after the engine's wait (`Retry-After` and body waits honoured) until it is accepted. The
 * accepted Response is handed back as fetch gave it (its body unread). When the engine ends the
 * call, the returned promise rejects with a `VendorError` (redacted) whose `response` is the last
 * Response, or, with `throwOnFail: false`, resolves with that Response (docs/fetch.md).
 */
export function resilientFetch(policy: PolicyInput, options: ResilientFetchOptions = {}): FetchFunction {
  checkFetchArguments(policy, options);
  const setup = createSetup(policy, options);
  return (input, init) => fetchUnderPolicy(setup, options, input, init);
}

/** One logical call of a {@link resilientFetch} function. */
async function fetchUnderPolicy(
  setup: ResilienceSetup,
  options: ResilientFetchOptions,
  input: FetchInput,
  init: RequestInit | undefined,
): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  // The adapter's `signal` option and this call's own (init's, or the Request's), combined.
  const callerSignal = combinedSignal(options.signal, callSignal(input, init));
  callerSignal?.throwIfAborted();
  // Made before the body is read: the caller's signal and the deadline cover that read too.
  const context = new CallContext(setup, {
    signal: callerSignal,
    secrets: ReplayableRequest.credentialsOf(input, init),
  });
  /** The Response of the latest try, until it is handed back or let go. */
  let latest: Response | undefined;
  const letGo = (): void => {
    // An unread body holds its connection: a response that is not handed back is cancelled.
    latest?.body?.cancel().catch(() => undefined);
    latest = undefined;
  };
  let sent = 0;
  const sendTry = async (
    request: ReplayableRequest,
    tryNumber: number,
  ): Promise<TryResult<Response | undefined>> => {
    letGo();
    sent = tryNumber;
    const tried = await request.send(fetchImpl, context, tryNumber, 'submit');
    if ('failure' in tried) return tried.failure;
    latest = tried.response;
    return { observation: await responseObservation(latest, setup.time), value: latest };
  };
  try {
    const request = await ReplayableRequest.from(
      input,
      init,
      options.maxReplayBodyBytes ?? DEFAULT_MAX_REPLAY_BODY_BYTES,
      context,
    ).catch((error: unknown) => {
      // The body's read stopped: the caller's reason, or the deadline's typed error.
      context.throwIfAborted();
      throw error;
    });
    const { result } = await runTries({
      context,
      phase: 'submit',
      accept: ACCEPT,
      sendTry: (tryNumber) => sendTry(request, tryNumber),
      cannotResend: () => (sent > 0 ? request.oneShotReason : undefined),
      onResend: letGo,
    });
    const response = result.value;
    latest = undefined;
    // runTries accepts only a try with an observation the engine read as "ok": a response.
    return response as Response;
  } catch (error) {
    // The Response of a try the engine judged; not one the deadline cut off while it was read.
    if (isVendorError(error) && latest !== undefined && context.signal?.aborted !== true) {
      const response = latest;
      latest = undefined;
      if (options.throwOnFail === false) return response;
      // Not enumerable: the error's JSON and inspect views stay what VendorError makes them.
      Object.defineProperty(error, 'response', { value: response, enumerable: false, configurable: true });
    }
    letGo();
    // fetch rejects with the caller's reason as it is (a string, any value), not made an Error.
    if (callerSignal?.aborted && !isVendorError(error)) throw callerSignal.reason;
    throw error;
  } finally {
    context.end();
  }
}

/**
 * The signal this call's own arguments carry: `init.signal` when given (`null` means none, as in
 * fetch: the Request's own is not followed then), else the Request's.
 */
function callSignal(input: FetchInput, init: RequestInit | undefined): AbortSignal | undefined {
  if (init?.signal !== undefined) return init.signal ?? undefined;
  return input instanceof Request ? input.signal : undefined;
}
