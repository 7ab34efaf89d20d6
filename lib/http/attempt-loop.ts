import type { Action, Decision, Phase } from '../engine/types.js';
import { endedDecision, type CallContext, type Observation } from './call-context.js';

/** What one try produced: the observation for the engine and the value to hand back if accepted. */
export interface TryResult<T> {
  observation: Observation;
  value: T;
  /** The transport error behind a network observation (kept as the typed error's cause). */
  cause?: unknown;
  /** The vendor's request id, when the response carried one. */
  requestId?: string;
}

/**
 * Attempt counters of one logical request. The engine's `attempt` means different things per
 * action: tries for retry caps, polls for the poll schedule, submissions for resubmit caps.
 */
export interface AttemptCounters {
  /** Tries that ended in `retry` or `backoff` so far. */
  failures: number;
  /** Job-status observations so far (polls). */
  polls: number;
  /** Submission number of the job being polled, when there is one. */
  submission?: number;
}

/** A decision and the attempt number it was asked with. */
export interface CountedDecision {
  decision: Decision;
  attempt: number;
}

/**
 * Asks the engine with the attempt number that its answer is counted in: first as try number;
 * a `poll` answer is re-asked with the poll number (schedule), a `resubmit` with the submission
 * number (resubmit cap). The engine is pure, so asking twice has no side effect.
 */
export function decideCounted(
  context: CallContext,
  observation: Observation,
  phase: Phase,
  counters: AttemptCounters,
): CountedDecision {
  let attempt = counters.failures + 1;
  let decision = context.decide(observation, phase, attempt);
  if (decision.action === 'poll') {
    attempt = counters.polls + 1;
    decision = context.decide(observation, phase, attempt);
  } else if (decision.action === 'resubmit' && counters.submission !== undefined) {
    attempt = counters.submission;
    decision = context.decide(observation, phase, attempt);
  }
  return { decision, attempt };
}

/** How to run {@link runAttempts}. */
export interface AttemptLoopOptions<T> {
  context: CallContext;
  phase: Phase;
  /** Actions that end the loop and hand the try's result back to the caller. */
  accept: ReadonlySet<Action>;
  /** Sends one try; must turn transport failures into a network observation, not throw them. */
  sendTry: (tryNumber: number) => Promise<TryResult<T>>;
  counters?: AttemptCounters;
  /** Why the request cannot be sent again (a consumed body stream), or `undefined` when it can. */
  cannotResend?: () => string | undefined;
  /** An extra end time (ms on the call's clock) for waits, besides the call's own deadline. */
  endAtMs?: number;
  endName?: string;
  /** The vendor's id for what is being asked about (a job id), reported by errors. */
  requestId?: string;
  /** The `attempts` an error reports for a try number (a job reports its submissions); the try number by default. */
  attemptsForError?: (tryNumber: number) => number;
}

/** The accepted try, its decision, and how many tries were made. */
export interface AttemptLoopResult<T> {
  result: TryResult<T>;
  decision: Decision;
  tries: number;
}

const RESEND_ACTIONS: ReadonlySet<Action> = new Set(['retry', 'backoff', 'poll']);

/**
 * Sends one logical request until the engine accepts an answer: `retry`/`backoff` (and `poll`
 * when not accepted: the same request again later) wait `delayMs` and resend; anything else not
 * accepted throws a {@link VendorError} at once.
 */
export async function runAttempts<T>(options: AttemptLoopOptions<T>): Promise<AttemptLoopResult<T>> {
  const { context, phase, accept } = options;
  const counters = options.counters ?? { failures: 0, polls: 0 };
  let pollEndAtMs: number | undefined;
  for (let tryNumber = 1; ; tryNumber++) {
    context.throwIfAborted();
    const result = await context.paced(() => options.sendTry(tryNumber));
    const counted = decideCounted(context, result.observation, phase, counters);
    const attempt = counted.attempt;
    // Unpaced, the decision stands as it is: no promise to wait for.
    const decision = context.pacer ? await context.recorded(counted.decision) : counted.decision;
    const status = result.observation.status;
    context.report(decision, phase, attempt, status);
    if (accept.has(decision.action)) {
      context.settle();
      return { result, decision, tries: tryNumber };
    }
    const extra = { cause: result.cause, requestId: result.requestId ?? options.requestId };
    const attempts = options.attemptsForError?.(tryNumber) ?? tryNumber;
    if (!RESEND_ACTIONS.has(decision.action)) {
      const ended =
        decision.action === 'resubmit'
          ? endedDecision(
              decision,
              'a single request cannot submit a fresh job (use runVendorJob for async jobs)',
            )
          : decision;
      throw context.failure(ended, attempts, status, extra);
    }
    const blocked = options.cannotResend?.();
    if (blocked !== undefined)
      throw context.failure(endedDecision(decision, blocked), attempts, status, extra);
    let endAtMs = options.endAtMs;
    let endName = options.endName;
    if (decision.action === 'poll') {
      counters.polls++;
      // Polling has its own deadline (DESIGN.md rule 4), counted from the first "not ready".
      pollEndAtMs ??= context.setup.clock.now() + context.setup.policy.polling.deadlineMs;
      if (endAtMs === undefined || pollEndAtMs < endAtMs) {
        endAtMs = pollEndAtMs;
        endName = "the policy's polling deadline";
      }
    } else {
      counters.failures++;
    }
    await context.wait(decision, { attempts, status, endAtMs, endName, cause: extra.cause });
  }
}
