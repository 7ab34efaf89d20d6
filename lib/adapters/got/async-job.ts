import { credentialsIn } from '../../run/redact.js';
import gotDefault, { Options, type Got, type OptionsInit, type Response } from 'got';
import type { Decision } from '../../core/engine/types.js';
import type { ArgumentCheck } from '../../run/validate-arguments.js';
import { CallContext, createSetup, endedDecision, type ResilienceSetup } from '../../run/call-context.js';
import { runTries } from '../../run/runner.js';
import { decideCounted, type AttemptCounters } from '../../run/try-judge.js';
import { checkGotOption, type PolicyArgument, type ResilienceOptions } from './options.js';
import { checkResilienceOptions } from '../../run/run-options.js';
import { sendTry } from './send-try.js';
import { responseObservation } from './wire-signal.js';
import { bodyText } from '../../run/observation.js';

/** One HTTP request of a job: a URL and got options (method, headers, json, body, …). */
export interface JobRequest {
  url: string | URL;
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
  got?: Got;
}

/** The job's final state: the last poll's parsed body, plus what it took. */
export interface VendorJobResult {
  /** Parsed JSON of the terminal poll response (its text when not JSON). */
  body: unknown;
  jobId: string;
  /** Submissions made (more than 1 after a `resubmit`). */
  submissions: number;
  /** Job-status observations (the submit reply and every poll). */
  polls: number;
}

function parsed(response: Response): unknown {
  const text = bodyText(response.rawBody);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface JobRun {
  setup: ResilienceSetup;
  context: CallContext;
  spec: VendorJobSpec;
  defaults: Options;
}

function toOptions(run: JobRun, request: JobRequest): Options {
  const options = new Options(request.url, request.options, run.defaults);
  run.context.addSecrets(credentialsIn(options.url, options.headers));
  return options;
}

/** Sends one request of the job (submit or poll), retrying transport and server errors per the engine. */
async function request(
  run: JobRun,
  options: Options,
  phase: 'submit' | 'poll',
  counters: AttemptCounters,
  endAtMs?: number,
  jobId?: string,
) {
  counters.failures = 0;
  return runTries({
    context: run.context,
    phase,
    accept: new Set(phase === 'submit' ? ['ok'] : ['ok', 'poll', 'resubmit']),
    counters,
    sendTry: (n) => sendTry(options, run.context, n, phase),
    // A failed job reports its submissions; a failing request its tries.
    ...(phase === 'poll' && counters.submission !== undefined
      ? { attemptsForError: () => counters.submission as number }
      : {}),
    ...(endAtMs === undefined ? {} : { endAtMs, endName: "the policy's polling deadline" }),
    ...(jobId === undefined ? {} : { requestId: jobId }),
  });
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
  const run: JobRun = { setup, context, spec, defaults: (options.got ?? gotDefault).defaults.options };
  try {
    return await submitAndPoll(run);
  } catch (error) {
    throw context.stoppedBy(error);
  } finally {
    context.end();
  }
}

/** The job's submissions and polls (see {@link runVendorJob}). */
async function submitAndPoll(run: JobRun): Promise<VendorJobResult> {
  const { setup, context, spec } = run;
  for (let submission = 1; ; submission++) {
    const submitted = await request(run, toOptions(run, spec.submit(submission)), 'submit', {
      failures: 0,
      polls: 0,
    });
    const reply = submitted.result.value as Response;
    const jobId = spec.jobId(parsed(reply));
    if (jobId === undefined || jobId === '') {
      throw context.failure(
        endedDecision(submitted.decision, 'the submit reply carries no job id to poll'),
        submission,
        reply.statusCode,
      );
    }
    const pollEndAtMs = setup.time.now() + setup.policy.polling.deadlineMs;
    const counters: AttemptCounters = { failures: 0, polls: 0, submission };
    // The submit reply is the first report on the job (ZenHire's `queued` + pollIntervalSeconds).
    const first = decideCounted(
      context,
      responseObservation(reply.statusCode, reply.headers, reply.rawBody),
      'poll',
      counters,
    );
    context.report(first.decision, 'poll', first.attempt, reply.statusCode);
    let decision: Decision = first.decision;
    let last: Response = reply;
    let terminal = false;
    for (;;) {
      const at = {
        attempts: submission,
        status: last.statusCode,
        endAtMs: pollEndAtMs,
        endName: "the policy's polling deadline",
      };
      if (decision.action === 'fail')
        throw context.failure(decision, submission, last.statusCode, { requestId: jobId });
      if (decision.action === 'ok' && terminal) {
        context.settle();
        return { body: parsed(last), jobId, submissions: submission, polls: counters.polls + 1 };
      }
      if (decision.action === 'resubmit') {
        await context.wait(decision, at);
        break;
      }
      counters.polls++;
      // Only a `poll` answer carries a wait; an unrecognised submit reply is confirmed by polling at once.
      if (decision.action === 'poll') await context.wait(decision, at);
      const polled = await request(
        run,
        toOptions(run, spec.poll(jobId)),
        'poll',
        counters,
        pollEndAtMs,
        jobId,
      );
      decision = polled.decision;
      last = polled.result.value as Response;
      terminal = true;
    }
  }
}
