import {
  hasStreamBody,
  isStreamBody,
  requestCredentials,
  requestOptions,
  STREAM_BODY_REASON,
} from './attempt-options.js';
import gotDefault, { type Got, type Options, type OptionsInit } from 'got';
import type { ArgumentCheck } from '../../run/validate-arguments.js';
import { CallContext, createSetup } from '../../run/call-context.js';
import { runJob, type JobTransport, type VendorJobResult } from '../../run/job-loop.js';
import { checkGotOption, type PolicyArgument, type ResilienceOptions } from './options.js';
import { checkResilienceOptions } from '../../run/run-options.js';
import { sendTry } from './send-try.js';

export type { VendorJobResult } from '../../run/job-loop.js';

/** One HTTP request of a job: a URL and got options (method, headers, json, body, …). */
export interface JobRequest {
  /** Where to send it (an absolute URL, or one relative to the got instance's `prefixUrl`). */
  url: string | URL;
  /** got's options for this request (method, headers, body …). */
  options?: OptionsInit;
}

/** The vendor-specific parts of an async job: data, not decisions. */
export interface VendorJobSpec {
  /** The submit request; called once per submission (a resubmit sends a fresh job). */
  submit: (submission: number) => JobRequest;
  /** The job id in the parsed submit body. */
  jobId: (submitBody: unknown) => string | undefined;
  /** The status request for a job id. */
  poll: (jobId: string) => JobRequest;
}

/** Options of {@link runVendorJob}. */
export interface RunVendorJobOptions extends ResilienceOptions {
  /** The got instance whose defaults (prefixUrl, headers, hooks) the requests start from; plain `got` by default. */
  got?: Got | undefined;
}

/** Why a fresh job cannot be submitted with a stream body that an earlier submission read. */
const CONSUMED_SUBMIT_REASON =
  'the submit body is a stream that an earlier submission consumed, so a fresh job cannot be sent (give submit(n) a fresh stream for each submission)';

/**
 * A job's requests sent with got: each request starts from the got instance's defaults, and each
 * try is one got request of it.
 */
function gotJobTransport(context: CallContext, defaults: Options): JobTransport<JobRequest> {
  return {
    prepare: (request, phase) => {
      const options = requestOptions(request.url, request.options, defaults);
      // A stream body is consumed by the first try: sending it again would send an empty body.
      const streamed = hasStreamBody(options);
      return {
        credentials: requestCredentials(options),
        sendTry: (tryNumber) => sendTry(options, context, tryNumber, phase),
        cannotResend: () => (streamed ? STREAM_BODY_REASON : undefined),
      };
    },
    cannotSubmitAgain: (request) => {
      const body = (request.options as { body?: unknown } | undefined)?.body;
      return isStreamBody(body) && body.readableDidRead ? CONSUMED_SUBMIT_REASON : undefined;
    },
  };
}

/**
 * Submits an async job once, then polls the same job until it is terminal, on the server's
 * schedule as the engine reads it (Retry-After, `pollIntervalSeconds`, the policy's minimum
 * interval). `poll` decisions never use up attempts; `resubmit` sends a fresh job (bounded by the
 * engine); `fail` throws a `VendorError` at once. Bounded by the policy's polling deadline per
 * job, the call's `deadlineMs` and `signal`.
 */
export async function runVendorJob(
  policy: PolicyArgument,
  spec: VendorJobSpec,
  options: RunVendorJobOptions = {},
): Promise<VendorJobResult> {
  const check: ArgumentCheck = checkResilienceOptions('runVendorJob', policy, options);
  check.object('spec', spec, 'a job spec ({ submit, jobId, poll } functions, or presetJob(…))');
  for (const name of ['submit', 'jobId', 'poll'] as const) check.function(`spec.${name}`, spec[name], true);
  checkGotOption(check, options.got);
  const setup = createSetup(policy, options);
  const context = new CallContext(setup, { signal: options.signal });
  return runJob(context, spec, gotJobTransport(context, (options.got ?? gotDefault).defaults.options));
}
