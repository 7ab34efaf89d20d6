import type { PolicyInput } from '../../core/policy/user-policy.js';
import { CallContext, createSetup } from '../../run/call-context.js';
import { runJob, type JobTransport, type SendJobTry, type VendorJobResult } from '../../run/job-loop.js';
import { bodyText, wholeBodyText } from '../../run/observation.js';
import type { ArgumentCheck } from '../../run/validate-arguments.js';
import {
  checkFetchArguments,
  DEFAULT_MAX_REPLAY_BODY_BYTES,
  type FetchFunction,
  type ResilientFetchOptions,
} from './options.js';
import { ReplayableRequest } from './replayable-request.js';
import { headersOf, readSignalBody } from './response-signal.js';
import { ERROR_BODY_WAIT_MS } from '../../run/body-head.js';

/** One HTTP request of a job, as fetch takes it: `fetch(url, init)`. */
export interface FetchJobRequest {
  /** The absolute URL of the request. */
  url: string | URL;
  /** Method, headers, body, …; cancel the job with `options.signal` (each try gets the job's signal, deadline included). */
  init?: RequestInit;
}

/** The vendor-specific parts of an async job, as fetch requests: data, not decisions. */
export interface FetchJobSpec {
  /** The submit request; called once per submission (a resubmit sends a fresh job). */
  submit: (submission: number) => FetchJobRequest;
  /** The job id in the parsed submit body. */
  jobId: (submitBody: unknown) => string | undefined;
  /** The status request for a job id. */
  poll: (jobId: string) => FetchJobRequest;
}

/** Options of the fetch entry's `runVendorJob`: `resilientFetch`'s, but `throwOnFail` (a job resolves only with its result). */
export type FetchJobOptions = Omit<ResilientFetchOptions, 'throwOnFail'>;

/**
 * A job's requests sent with fetch: each try is one call of `fetchImpl` whose reply is read
 * (bounded, as much as the engine reads): a job's state is in the body of a 200, which the engine
 * must see (`status: processing`, `pollIntervalSeconds`, `IN_QUEUE`).
 */
function fetchJobTransport(
  context: CallContext,
  fetchImpl: FetchFunction,
  maxReplayBodyBytes: number,
): JobTransport<FetchJobRequest> {
  return {
    prepare: async (request, phase) => {
      const held = await ReplayableRequest.from(request.url, request.init, maxReplayBodyBytes, context);
      const sendTry: SendJobTry = async (tryNumber) => {
        const sent = await held.send(fetchImpl, context, tryNumber, phase);
        if ('failure' in sent) return sent.failure;
        const { response } = sent;
        // A 2xx body is the job's state, and the last one its result: read whole, as got reads a
        // job's replies (the engine parses only its start). An error status's body is read as far as
        // the engine looks, and waited for a bounded time, as resilientFetch's.
        const body = response.ok
          ? new Uint8Array(await response.arrayBuffer())
          : await readSignalBody(response.body, { timeoutMs: ERROR_BODY_WAIT_MS, time: context.setup.time });
        const { status } = response;
        const headers = headersOf(response.headers);
        return {
          observation: {
            transport: 'http',
            status,
            headers,
            body: response.ok ? wholeBodyText(body) : bodyText(body),
          },
          value: { status, body },
        };
      };
      return { credentials: held.credentials(), sendTry, cannotResend: () => held.oneShotReason };
    },
  };
}

/**
 * Runs an async job with fetch: submits it once, then polls the same job until it is terminal, on
 * the server's schedule as the engine reads it (Retry-After, `pollIntervalSeconds`, the policy's
 * minimum interval). `poll` decisions never use up attempts; `resubmit` sends a fresh job (bounded
 * by the engine); `fail` rejects with a `VendorError` at once. Each request of the job is resent
 * as `resilientFetch` resends a call (pacing, retry budget, `onDecision`, `attemptHeaders`,
 * secrets, telemetry). Bounded by the policy's polling deadline per job, `deadlineMs` and `signal`.
 */
export async function runVendorJob(
  policy: PolicyInput,
  spec: FetchJobSpec,
  options: FetchJobOptions = {},
): Promise<VendorJobResult> {
  const check: ArgumentCheck = checkFetchArguments(policy, options, 'runVendorJob');
  check.object('spec', spec, 'a job spec ({ submit, jobId, poll } functions, or presetJob(…))');
  for (const name of ['submit', 'jobId', 'poll'] as const) check.function(`spec.${name}`, spec[name], true);
  const setup = createSetup(policy, options);
  const context = new CallContext(setup, { signal: options.signal });
  const transport = fetchJobTransport(
    context,
    options.fetch ?? globalThis.fetch,
    options.maxReplayBodyBytes ?? DEFAULT_MAX_REPLAY_BODY_BYTES,
  );
  return runJob(context, spec, transport);
}
