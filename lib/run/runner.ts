import pRetry, { AbortError } from 'p-retry';
import type { Decision } from '../core/engine/types.js';
import { abortReason } from './sleep.js';
import {
  TryJudge,
  type AttemptCounters,
  type JudgeOptions,
  type TryResult,
  type TryVerdict,
} from './try-judge.js';

/** How to run {@link runTries}: how its tries are judged, and how one is sent. */
export interface RunTriesOptions<T> extends JudgeOptions {
  /**
   * Sends one try (`tryNumber` from 1) and reports what happened on the wire: a transport failure
   * is a network observation, not a throw (a throw ends the run with that error as it is).
   */
  sendTry: (tryNumber: number) => Promise<TryResult<T>>;
  /**
   * True (the default): the whole try runs in one turn of the call's pacer. False: the try takes
   * its turn itself (`context.paced(…)`) for the part that needs one, e.g. a WebSocket holds it
   * only until the connection is open, not for the connection's life.
   */
  paced?: boolean;
  /** The counters the engine's attempt numbers come from (shared across runs of one job). */
  counters?: AttemptCounters;
  /**
   * Whether the resend after this try takes a retry token from the pacer's budget (true by
   * default): a WebSocket connection that stayed stable ended a run, it did not fail.
   */
  charge?: (result: TryResult<T>) => boolean;
  /**
   * Told each resend once its wait has started (a WebSocket session emits `reconnecting`, and a
   * listener may close it then: the wait is cancelled); not told when the wait is refused.
   */
  onResend?: (decision: Decision, tryNumber: number) => void;
}

/** The accepted try, its decision, and how many tries were made. */
export interface RunTriesResult<T> {
  result: TryResult<T>;
  decision: Decision;
  tries: number;
}

/** A verdict to send again. */
type ResendVerdict = Extract<TryVerdict, { accepted: false }>;

/** A try the engine wants sent again: p-retry's failed attempt, carrying the verdict to wait for. */
class ResendRequested extends Error {
  override readonly name = 'ResendRequested';
  constructor(readonly verdict: ResendVerdict) {
    super(verdict.decision.reason);
  }
}

/** Ends p-retry's loop at once with `error` as it is (p-retry rethrows an AbortError's `originalError`). */
function endRun(error: unknown): AbortError {
  if (error instanceof Error) return new AbortError(error);
  // Anything else thrown is kept as it is, not turned into a new Error.
  return Object.assign(new AbortError('the run ended'), { originalError: error });
}

/**
 * Carries out one logical call's tries on p-retry, for any transport: each try is sent (in a turn
 * of the call's pacer), judged ({@link TryJudge}: the engine's decision, counted, seen by the pacer
 * and its retry budget, reported to `onDecision`), and then accepted (resolves), sent again after
 * the engine's wait (abort-aware, refused when it cannot end before the deadline), or ended with
 * the typed, redacted error. p-retry runs the loop of resends (the first try, which most calls end
 * with, is sent before it starts): a resend is its failed attempt, whose
 * `onFailedAttempt` does the engine's wait; a try that ends the call is its `AbortError`; its
 * `signal` is the call's (the caller's abort and the deadline). Its own delays, `retries`,
 * `shouldConsumeRetry` and `maxRetryTime` are not used: the engine, its attempt counters and the
 * pacer decide those, on the call's clock (docs/design.md, "Why the runner is p-retry").
 */
export async function runTries<T>(options: RunTriesOptions<T>): Promise<RunTriesResult<T>> {
  const { context, sendTry, charge } = options;
  const judge = new TryJudge(options, options.counters);
  const paced = options.paced ?? true;
  const signal = context.signal;
  /** One try: accepted (the run's result), or the verdict to resend on; a throw ends the run. */
  const tryOnce = async (tryNumber: number): Promise<RunTriesResult<T> | ResendVerdict> => {
    context.throwIfAborted();
    const result = await (paced ? context.paced(() => sendTry(tryNumber)) : sendTry(tryNumber));
    // A try the caller's signal or the deadline cut short is not the vendor's word.
    context.throwIfAborted();
    const verdict = await judge.judge(
      result,
      tryNumber,
      charge === undefined ? undefined : { charge: charge(result) },
    );
    return verdict.accepted ? { result, decision: verdict.decision, tries: tryNumber } : verdict;
  };
  /** The engine's wait before try `tryNumber + 1`. */
  const waitToResend = (verdict: ResendVerdict, tryNumber: number): Promise<void> => {
    const { onResend } = options;
    return context.wait(
      verdict.decision,
      verdict.wait,
      onResend && (() => onResend(verdict.decision, tryNumber)),
    );
  };
  // The first try is sent before p-retry starts: most calls end with it, and starting p-retry's
  // loop (a copy of its options and their checks) cost more than the try's own bookkeeping.
  const first = await tryOnce(1);
  if (!('accepted' in first)) return first;
  await waitToResend(first, 1);
  try {
    // p-retry's attempt n is the call's try n + 1.
    return await pRetry(
      async (attemptNumber) => {
        let outcome: RunTriesResult<T> | ResendVerdict;
        try {
          outcome = await tryOnce(attemptNumber + 1);
        } catch (error) {
          throw endRun(error);
        }
        if ('accepted' in outcome) throw new ResendRequested(outcome);
        return outcome;
      },
      {
        // The engine's caps and the pacer's retry budget bound the resends, not a count here.
        retries: Number.POSITIVE_INFINITY,
        // No delay of p-retry's own: the engine's wait is done in onFailedAttempt, on the call's clock.
        minTimeout: 0,
        ...(signal === undefined ? {} : { signal }),
        onFailedAttempt: ({ error, attemptNumber }) =>
          waitToResend((error as ResendRequested).verdict, attemptNumber + 1),
      },
    );
  } catch (error) {
    // p-retry checks the signal itself between tries and throws its bare reason: the call says
    // what that means (the caller's reason, or the deadline's typed error).
    if (signal?.aborted && error === signal.reason) throw context.stoppedBy(abortReason(signal));
    throw error;
  }
}
