import type { Decision } from '../core/engine/types.js';
import { endedDecision, type CallContext } from './call-context.js';
import { runTries, type RunTriesResult } from './runner.js';
import { decideCounted, type AttemptCounters, type TryResult } from './try-judge.js';

/** Which request of a job is sent: the submission, or a status poll. */
export type JobPhase = 'submit' | 'poll';

/** What the job loop reads of a reply: its status and its body's bytes (at least the engine's signal bound of them). */
export interface JobReply {
  status: number;
  body: Uint8Array | undefined;
}

/**
 * Sends one try of a job request and reports what happened on the wire, as `runTries` wants it:
 * the reply (any status; its observation includes the body, which a job's status lives in) or
 * the transport failure as a network observation. Only an abort is thrown.
 */
export type SendJobTry = (tryNumber: number) => Promise<TryResult<JobReply | undefined>>;

/** One request of a job, ready to be sent try after try. */
export interface PreparedJobRequest {
  /** The credentials the request carries (headers, query, URL password), as `credentialsIn` finds them. */
  credentials: readonly string[];
  /** Sends one try of the request. */
  sendTry: SendJobTry;
  /** Why the request cannot be sent again after a try (a consumed body stream), or `undefined` when it can. */
  cannotResend?: () => string | undefined;
}

/** The transport's part of a job: how a request the spec made is readied to be sent. */
export interface JobTransport<R> {
  /** Readies `request` for `phase` and says which credentials it carries. */
  prepare: (request: R, phase: JobPhase) => PreparedJobRequest | Promise<PreparedJobRequest>;
  /**
   * Why a later submission's request cannot be sent at all (a stream body an earlier submission
   * consumed), or `undefined` when it can: asked of a `resubmit`'s request, once its wait is over.
   */
  cannotSubmitAgain?: (request: R) => string | undefined;
}

/** The vendor's part of a job, in a transport's request type `R`: data, not decisions. */
export interface JobSpec<R> {
  /** The submit request; called once per submission (a resubmit sends a fresh job). */
  submit: (submission: number) => R;
  /** The job id in the parsed submit body. */
  jobId: (submitBody: unknown) => string | undefined;
  /** The status request for a job id. */
  poll: (jobId: string) => R;
}

/** The job's final state: the last poll's parsed body, plus what it took. */
export interface VendorJobResult {
  /** Parsed JSON of the terminal poll response (its text when not JSON). */
  body: unknown;
  /** The id of the job that ended (of the last submission, after a `resubmit`). */
  jobId: string;
  /** Submissions made (more than 1 after a `resubmit`). */
  submissions: number;
  /** Job-status observations (the submit reply and every poll). */
  polls: number;
}

/**
 * A reply's whole body as JSON, or as its text when it is not JSON: the caller's result (not
 * `bodyText`, which keeps only what the engine reads of a body).
 */
function parsed(reply: JobReply): unknown {
  const body = reply.body;
  const text = body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') : '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One job being run: its call, its spec and its transport. */
interface JobRun<R> {
  context: CallContext;
  spec: JobSpec<R>;
  transport: JobTransport<R>;
}

/** Sends one request of the job (submit or poll), retrying transport and server errors per the engine. */
async function request<R>(
  run: JobRun<R>,
  jobRequest: R,
  phase: JobPhase,
  counters: AttemptCounters,
  endAtMs?: number,
  jobId?: string,
): Promise<RunTriesResult<JobReply | undefined>> {
  const { credentials, sendTry, cannotResend } = await run.transport.prepare(jobRequest, phase);
  run.context.addSecrets(credentials);
  // The first submit's credential picks the job's pacer, as a call's does: a job and the calls made
  // with the same API key share one gate, rate and budget (no effect once the pacer is chosen).
  run.context.choosePacerBy(credentials[0]);
  counters.failures = 0;
  return runTries({
    context: run.context,
    phase,
    accept: new Set(phase === 'submit' ? ['ok'] : ['ok', 'poll', 'resubmit']),
    counters,
    sendTry,
    ...(cannotResend === undefined ? {} : { cannotResend }),
    // A failed job reports its submissions; a failing request its tries.
    ...(phase === 'poll' && counters.submission !== undefined
      ? { attemptsForError: () => counters.submission as number }
      : {}),
    ...(endAtMs === undefined ? {} : { endAtMs, endName: "the policy's polling deadline" }),
    ...(jobId === undefined ? {} : { requestId: jobId }),
  });
}

/**
 * Runs an async job on any transport: submits it once, then polls the same job until it is
 * terminal, on the server's schedule as the engine reads it (Retry-After, `pollIntervalSeconds`,
 * the policy's minimum interval). `poll` decisions never use up attempts; `resubmit` sends a fresh
 * job (bounded by the engine); `fail` throws a `VendorError` at once. Bounded by the policy's
 * polling deadline per job, the call's deadline and signal. The call ends with the job (its
 * deadline watch stops), and an error is what the call says it means (`stoppedBy`).
 */
export async function runJob<R>(
  context: CallContext,
  spec: JobSpec<R>,
  transport: JobTransport<R>,
): Promise<VendorJobResult> {
  try {
    return await submitAndPoll({ context, spec, transport });
  } catch (error) {
    throw context.stoppedBy(error);
  } finally {
    context.end();
  }
}

/** The job's submissions and polls (see {@link runJob}). */
async function submitAndPoll<R>(run: JobRun<R>): Promise<VendorJobResult> {
  const { context, spec } = run;
  const { setup } = context;
  /** The next submission's request, made when a `resubmit` was decided (spec.submit is called once per submission). */
  let resubmission: R | undefined;
  for (let submission = 1; ; submission++) {
    // Every submission after the first is reached through a `resubmit`, which made its request.
    const submitRequest = resubmission ?? spec.submit(submission);
    const submitted = await request(run, submitRequest, 'submit', { failures: 0, polls: 0 });
    // runTries accepts only a try the engine read as "ok": a reply.
    const reply = submitted.result.value as JobReply;
    const jobId = spec.jobId(parsed(reply));
    if (jobId === undefined || jobId === '') {
      // The vendor took the request, but not as a job (Breeze without `delivery: 'async'` answers
      // with the audio): the submit's `ok` is no category for the failure it ends in.
      const noJob = endedDecision(submitted.decision, 'the submit reply carries no job id to poll');
      throw context.failure({ ...noJob, category: 'invalid_request' }, submission, reply.status);
    }
    context.workingOn = jobId;
    const pollEndAtMs = setup.time.now() + setup.policy.polling.deadlineMs;
    const counters: AttemptCounters = { failures: 0, polls: 0, submission };
    // The submit reply is the first report on the job (ZenHire's `queued` + pollIntervalSeconds).
    const first = decideCounted(context, submitted.result.observation, 'poll', counters);
    context.report(first.decision, 'poll', first.attempt, reply.status);
    let decision: Decision = first.decision;
    let last: JobReply = reply;
    let lastObservation = submitted.result.observation;
    let terminal = false;
    for (;;) {
      const at = {
        attempts: submission,
        status: last.status,
        endAtMs: pollEndAtMs,
        endName: "the policy's polling deadline",
        requestId: jobId,
      };
      // Only the submit reply's decision can be a `fail` here: a poll reply's is thrown by its try's judge.
      if (decision.action === 'fail') {
        const vendorMessage = context.vendorMessage(lastObservation, 'poll');
        throw context.failure(decision, submission, last.status, { requestId: jobId, vendorMessage });
      }
      if (decision.action === 'ok' && terminal) {
        context.settle();
        return { body: parsed(last), jobId, submissions: submission, polls: counters.polls + 1 };
      }
      if (decision.action === 'resubmit') {
        // The fresh request is made after the wait: one the wait's refusal left unsent would hold
        // what submit(n) opened for it (a file stream). So the resubmit is reported only once that
        // request can be sent; a refused one is reported as the fail the job ends with.
        await context.wait(decision, { ...at, reportAfter: true });
        const fresh = spec.submit(submission + 1);
        const blocked = run.transport.cannotSubmitAgain?.(fresh);
        if (blocked !== undefined) {
          const vendorMessage = context.vendorMessage(lastObservation, 'poll');
          throw context.failure(endedDecision(decision, blocked), submission, last.status, {
            requestId: jobId,
            vendorMessage,
          });
        }
        context.settle();
        resubmission = fresh;
        // The fresh job has no id until its submit reply.
        context.workingOn = undefined;
        break;
      }
      counters.polls++;
      // Only a `poll` answer carries a wait; an unrecognised submit reply is confirmed by polling at once.
      if (decision.action === 'poll') await context.wait(decision, at);
      const polled = await request(run, spec.poll(jobId), 'poll', counters, pollEndAtMs, jobId);
      decision = polled.decision;
      last = polled.result.value as JobReply;
      lastObservation = polled.result.observation;
      terminal = true;
    }
  }
}
