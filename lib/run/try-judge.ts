import type { Action, Decision, Phase } from '../core/engine/types.js';
import { endedDecision, type CallContext, type Observation, type WaitContext } from './call-context.js';

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

/** How a call judges its tries: what it accepts and what bounds its resends. */
export interface JudgeOptions {
  context: CallContext;
  phase: Phase;
  /** Actions that end the call and hand the try's result back to the caller. */
  accept: ReadonlySet<Action>;
  /** Why the request cannot be sent again (a consumed body stream), or `undefined` when it can. */
  cannotResend?: () => string | undefined;
  /**
   * An extra end time (ms on the call's clock) for waits, besides the call's own deadline. Read at
   * every verdict, so a caller may move it: a WebSocket session does after each stable connection.
   */
  endAtMs?: number;
  endName?: string;
  /** The vendor's id for what is being asked about (a job id), reported by errors. */
  requestId?: string;
  /** The `attempts` an error reports for a try number (a job reports its submissions); the try number by default. */
  attemptsForError?: (tryNumber: number) => number;
  /**
   * Actions that mean "the same try again after the decided wait": `retry`, `backoff` and `poll`
   * by default; a WebSocket session adds `reconnect`. `poll` counts polls, the others failures.
   */
  resend?: ReadonlySet<Action>;
}

/** What the call does after one try: hand the result back, or wait and send again. */
export type TryVerdict =
  | { accepted: true; decision: Decision }
  | { accepted: false; decision: Decision; wait: WaitContext; observation: Observation };

/** What is sent again after the decided wait, unless a call says otherwise ({@link JudgeOptions.resend}). */
export const RESEND_ACTIONS: ReadonlySet<Action> = new Set(['retry', 'backoff', 'poll']);

/**
 * The attempt counters of one logical call plus its polling deadline, and the judgement of each
 * try: the engine's decision (counted, seen by the pacer, reported), then accept, resend after a
 * wait, or throw the {@link VendorError} that ends the call. Shared by `runTries` (runner.ts) and the
 * got adapter, which rides got's own retry (its `retry.calculateDelay` asks the judge, then waits).
 */
export class TryJudge {
  readonly counters: AttemptCounters;
  private pollEndAtMs: number | undefined;

  constructor(
    readonly options: JudgeOptions,
    counters?: AttemptCounters,
  ) {
    this.counters = counters ?? { failures: 0, polls: 0 };
  }

  /**
   * Judges one try's result; throws the typed error when the call must end. `charge: false` when
   * the call cannot send again whatever the engine decides (the resend takes no retry token).
   */
  async judge(
    result: TryResult<unknown>,
    tryNumber: number,
    options?: { charge?: boolean },
  ): Promise<TryVerdict> {
    const { context, phase } = this.options;
    const counted = decideCounted(context, result.observation, phase, this.counters);
    // Unpaced, the decision stands as it is: no promise to wait for.
    const decision = await context.recorded(counted.decision, options);
    return this.verdict(result, tryNumber, { decision, attempt: counted.attempt });
  }

  /**
   * The rest of {@link judge}, for a decision already made and seen by the pacer (asked with
   * `recorded.attempt`): report it, then accept, resend or throw the typed error.
   */
  verdict(result: TryResult<unknown>, tryNumber: number, recorded: CountedDecision): TryVerdict {
    const { context, phase, accept } = this.options;
    const counters = this.counters;
    const { decision, attempt } = recorded;
    const status = result.observation.status;
    context.report(decision, phase, attempt, status);
    if (accept.has(decision.action)) {
      // An `ok` is what happened. A job's `poll` or `resubmit` is the job loop's to carry out: it
      // is reported when the loop acts on it, or replaced by the decision the job ends with instead.
      if (decision.action === 'ok') context.settle();
      return { accepted: true, decision };
    }
    const extra = { cause: result.cause, requestId: result.requestId ?? this.options.requestId };
    // The vendor's own words are read only for the error that ends the call.
    const failing = () => ({ ...extra, vendorMessage: context.vendorMessage(result.observation, phase) });
    const attempts = this.options.attemptsForError?.(tryNumber) ?? tryNumber;
    if (!(this.options.resend ?? RESEND_ACTIONS).has(decision.action)) {
      const ended =
        decision.action === 'resubmit'
          ? endedDecision(
              decision,
              'a single request cannot submit a fresh job (use runVendorJob for async jobs)',
            )
          : decision;
      throw context.failure(ended, attempts, status, failing());
    }
    const blocked = this.options.cannotResend?.();
    if (blocked !== undefined)
      throw context.failure(endedDecision(decision, blocked), attempts, status, failing());
    let endAtMs = this.options.endAtMs;
    let endName = this.options.endName;
    if (decision.action === 'poll') {
      counters.polls++;
      // Polling has its own deadline (docs/design.md rule 4), counted from the first "not ready".
      this.pollEndAtMs ??= context.setup.time.now() + context.setup.policy.polling.deadlineMs;
      if (endAtMs === undefined || this.pollEndAtMs < endAtMs) {
        endAtMs = this.pollEndAtMs;
        endName = "the policy's polling deadline";
      }
    } else {
      counters.failures++;
    }
    return {
      accepted: false,
      decision,
      wait: { attempts, status, endAtMs, endName, cause: extra.cause, requestId: extra.requestId },
      observation: result.observation,
    };
  }
}
