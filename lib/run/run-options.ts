import type { Engine } from '../core/engine/engine.js';
import type { Clock, Phase } from '../core/engine/types.js';
import type { Pacing } from '../pacing/pacing.js';
import { checkTelemetryOption, type DecisionEvent, type TelemetryOptions } from './telemetry.js';
import { ArgumentCheck } from './validate-arguments.js';

export type { DecisionEvent } from './telemetry.js';

/** What a per-attempt headers hook is told about the try it is preparing. */
export interface AttemptContext {
  /** 1-based number of this try within the logical call. */
  attempt: number;
  /** Random id of the logical call, the same for every try (use it as an idempotency key). */
  callId: string;
  /** What this try is: `submit`, `poll` … (the phase the engine is told about). */
  phase: Phase;
}

/** Options shared by the got adapter, the async-job runner and the message-stream reader. */
export interface ResilienceOptions {
  /** Cancels a pending wait (and the request in flight) at once; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Pace every try through this application's pacing (`createPacing()`): the vendor's limits, a
   * vendor-wide gate on `backoff`, adaptive concurrency and rate, and the retry budget. The pacer is
   * chosen by vendor and by the credential the request carries. Without it, every adapter of the
   * process shares a default pacing (the gate, the rate learned from 429s, adaptive concurrency and
   * the retry budget, without the policy's limits); `false` turns pacing off (each call only waits itself).
   */
  pacing?: Pacing | false | undefined;
  /** Overall budget for one logical call, in milliseconds; a wait that cannot end in time fails the call instead. */
  deadlineMs?: number | undefined;
  /**
   * Receives every decision once the call acts on it (never a credential). When the engine allows
   * going on but the call cannot (a deadline, output already delivered), the event carries the
   * decision the call ended with (action `fail`), so counting events counts what really happened.
   * Exceptions it throws are ignored.
   */
  onDecision?: ((event: DecisionEvent) => void) | undefined;
  /**
   * One observability hook: OpenTelemetry metrics (`meter`) and span events (`trace`), a pino-style
   * `logger`, and `waiting` progress lines during long waits (docs/telemetry.md). Sees every
   * decision `onDecision` sees, never a credential. Off (and free) when omitted.
   */
  telemetry?: TelemetryOptions | undefined;
  /** Headers for each try; return the same value on every try for an idempotency key. */
  attemptHeaders?: ((context: AttemptContext) => Record<string, string> | undefined) | undefined;
  /** Extra credential strings to scrub from errors (header and URL credentials are found automatically). */
  secrets?: readonly string[] | undefined;
  /**
   * The call's time: the engine reads it, the deadline is measured on it, and the retry and poll
   * waits (and the default pacing's) run on its `sleep` when it has one (real timers when it does
   * not). The system clock when omitted; a manual clock (`vendor-resilience/testing`) in tests.
   */
  clock?: Clock | undefined;
  /** Randomness for the engine's jitter, in [0, 1). */
  random?: (() => number) | undefined;
  /** An engine to decide with; by default one is built from the policy, `clock` and `random`. */
  engine?: Engine | undefined;
}

/**
 * Checks a policy argument and the shared options of an adapter up front, so a wrong value
 * from JavaScript is a `TypeError` naming the helper and the option. `deadlineMs` is only
 * type-checked here: its range is checked (a `RangeError`) where the call is set up.
 */
export function checkResilienceOptions(fn: string, policy: unknown, options: unknown): ArgumentCheck {
  const check: ArgumentCheck = new ArgumentCheck(fn);
  check.policy('policy', policy);
  check.options('options', options);
  if (options === undefined) return check;
  check.signal('options.signal', options['signal']);
  const pacing = options['pacing'];
  check.that(
    pacing === undefined ||
      pacing === false ||
      (typeof pacing === 'object' && typeof (pacing as { pacer?: unknown } | null)?.pacer === 'function'),
    'options.pacing',
    'a pacing from createPacing(), false or undefined',
    pacing,
  );
  check.numberType('options.deadlineMs', options['deadlineMs']);
  for (const name of ['onDecision', 'attemptHeaders', 'random'] as const) {
    check.function(`options.${name}`, options[name]);
  }
  check.strings('options.secrets', options['secrets']);
  checkTelemetryOption(check, options['telemetry']);
  check.clock('options.clock', options['clock']);
  check.engine('options.engine', options['engine']);
  return check;
}
