/**
 * The arithmetic of adaptive pacing, pure so the in-process store, the Redis store (whose Lua
 * mirrors `lowerConcurrency`/`raiseConcurrency`) and the tests agree on one definition.
 */

/** What a pacer remembers about the last rate-limit answer. `lastThrottleAtMs` 0 = never throttled. */
export interface ThrottleMemory {
  /** The rate the recovery climbs back to before probing above it. */
  lastMaxRatePerSec: number;
  /**
   * When the recovery starts: the opening of the gate the throttle closed (nothing is sent while
   * it is closed, so the curve must not climb meanwhile).
   */
  lastThrottleAtMs: number;
  /** The rate the recovery starts from; 0 = `beta` × `lastMaxRatePerSec`. */
  restartRatePerSec: number;
  /**
   * The throttle came while nothing paced the sends (no rate configured or learned), so
   * `lastMaxRatePerSec` is a guess, not a rate that proved too fast: the recovery doubles the
   * rate every {@link PROBE_DOUBLING_MS} until the vendor pushes back again (TCP's slow start),
   * instead of lingering below the guess on the cubic curve.
   */
  probing?: boolean;
}

/** Rate-adaptation constants (AWS adaptive retry mode's BETA and MIN_FILL_RATE, and the cubic window). */
export interface RateConstants {
  beta: number;
  /**
   * Time to climb back from `beta` × the throttled rate to it. AWS fixes the cubic constant instead
   * (0.4), which at speech vendors' rates (2–10 requests/s) returns to the limit within ~2 s and
   * probes into it every few seconds; a fixed window makes the probing period independent of the rate.
   */
  recoveryMs: number;
  minRatePerSec: number;
}

/** Defaults: AWS's BETA and minimum rate, a 10 s recovery window. */
export const DEFAULT_RATE_CONSTANTS: RateConstants = { beta: 0.7, recoveryMs: 10_000, minRatePerSec: 0.5 };

/**
 * Where the recovery restarts after a throttle when the vendor's real rate was estimated: just
 * below the estimate (a margin for its error), instead of `beta` × the rate that was too fast.
 */
export const ESTIMATE_RESTART_FACTOR = 0.95;

/** Above this multiple of the last throttled rate an unconfigured vendor is treated as unlimited again. */
const UNLIMITED_AFTER_FACTOR = 4;

/**
 * A probing recovery (see {@link ThrottleMemory.probing}) doubles the rate this often (ms). From
 * a guess four times too low, the vendor's rate is reached in a second; the overshoot past it is
 * at most one doubling, and a token bucket's burst absorbs the first of it, so the next
 * rate-limit answer comes within a fraction of a second after the rate is crossed.
 */
export const PROBE_DOUBLING_MS = 300;

/**
 * A probing recovery that reaches this multiple of its guess (ten doublings, 3 s) without a
 * rate-limit answer stops pacing: the 429 that started it was not about the request rate. High on
 * purpose: stopping is a cliff (every queued call at once), so it must come only where the pace
 * already lets nearly everything through. At 16× a busy process that saw the vendor's next 429 a
 * few hundred ms late had already stopped pacing and sent its whole queue into the limit.
 */
const PROBE_UNLIMITED_FACTOR = 1024;

/**
 * The allowed rate at `nowMs` (requests per second; `undefined` = unlimited). Before any throttle
 * it is the configured ceiling. After one it restarts at the remembered restart rate (`beta` ×
 * the throttled rate by default) and climbs on a cubic curve, as AWS adaptive retry mode and TCP
 * CUBIC do: concave up to the remembered maximum (slow near it, so the pacer lingers just below
 * the vendor's real limit), convex above it (probing), never above the ceiling. The curve has the
 * same shape whatever the restart: from `beta` × the maximum it takes `recoveryMs` to get back.
 */
export function allowedRatePerSec(
  memory: ThrottleMemory,
  nowMs: number,
  ceilingPerSec: number | undefined,
  constants: RateConstants = DEFAULT_RATE_CONSTANTS,
): number | undefined {
  if (memory.lastThrottleAtMs <= 0 || memory.lastMaxRatePerSec <= 0) return ceilingPerSec;
  const elapsedSec = Math.max(0, nowMs - memory.lastThrottleAtMs) / 1000;
  const max = memory.lastMaxRatePerSec;
  const restart =
    memory.restartRatePerSec > 0 ? Math.min(memory.restartRatePerSec, max) : constants.beta * max;
  if (memory.probing === true) {
    const probe = Math.max(constants.minRatePerSec, restart) * 2 ** ((elapsedSec * 1000) / PROBE_DOUBLING_MS);
    if (ceilingPerSec !== undefined) return Math.min(ceilingPerSec, probe);
    return probe >= PROBE_UNLIMITED_FACTOR * max ? undefined : probe;
  }
  // TCP CUBIC's W(t) = C·(t − K)³ + Wmax, with C chosen so that a restart at beta × Wmax takes
  // the whole window (K = window), and K from the actual restart.
  const scale = (max * (1 - constants.beta)) / (constants.recoveryMs / 1000) ** 3;
  const kSec = scale > 0 ? Math.cbrt((max - restart) / scale) : 0;
  const cubic = scale * (elapsedSec - kSec) ** 3 + max;
  const rate = Math.max(constants.minRatePerSec, cubic);
  if (ceilingPerSec !== undefined) return Math.min(ceilingPerSec, rate);
  return rate >= UNLIMITED_AFTER_FACTOR * max ? undefined : rate;
}

/**
 * The rate to remember as "too fast" when a rate-limit answer arrives: what the pacer allowed,
 * or what it actually sent if that was less (AWS: min(measured, fill rate)).
 */
export function throttledRatePerSec(
  allowedPerSec: number | undefined,
  measuredPerSec: number,
  minRatePerSec: number,
): number {
  const candidates = [allowedPerSec, measuredPerSec > 0 ? measuredPerSec : undefined].filter(
    (v): v is number => v !== undefined,
  );
  // Neither known (unlimited and nothing measured yet): start from the floor and let cubic growth find the level.
  if (candidates.length === 0) return minRatePerSec;
  return Math.max(minRatePerSec, Math.min(...candidates));
}

/** What a throttle changes in {@link ThrottleMemory} (besides the time). */
export interface ThrottleRates {
  lastMaxRatePerSec: number;
  restartRatePerSec: number;
  /** See {@link ThrottleMemory.probing}. */
  probing: boolean;
}

/**
 * The maximum and restart rate after a throttle at `throttledPerSec`. Without an estimate of the
 * vendor's real rate, AWS's multiplicative decrease: restart at `beta` × the throttled rate and
 * climb back to it. With one (at most the throttled rate), restart just below the estimate and
 * climb back to the estimate: `beta` × a rate that was too fast is a guess, the estimate is
 * measured. `unpaced`: nothing paced the sends that were throttled (no rate configured or
 * learned), so the throttled rate is only a guess and the recovery probes (see
 * {@link ThrottleMemory.probing}).
 */
export function rememberThrottle(
  throttledPerSec: number,
  estimatedPerSec: number | undefined,
  beta: number,
  unpaced = false,
): ThrottleRates {
  if (estimatedPerSec !== undefined && estimatedPerSec <= throttledPerSec) {
    return {
      lastMaxRatePerSec: estimatedPerSec,
      restartRatePerSec: ESTIMATE_RESTART_FACTOR * estimatedPerSec,
      probing: false,
    };
  }
  // A probe restarts at the guess itself: the guess is what the vendor accepted, not a rate that
  // was too fast, and every doubling spent below the vendor's rate is time lost.
  if (unpaced)
    return { lastMaxRatePerSec: throttledPerSec, restartRatePerSec: throttledPerSec, probing: true };
  return { lastMaxRatePerSec: throttledPerSec, restartRatePerSec: beta * throttledPerSec, probing: false };
}

/**
 * Multiplicative decrease: the new concurrency limit after a concurrency-limit answer. Without a
 * configured ceiling the calls in flight are the best guess of the level the vendor refused.
 */
export function lowerConcurrency(
  current: number | undefined,
  ceiling: number | undefined,
  inFlight: number,
  beta: number,
): number {
  const base = current ?? ceiling ?? Math.max(1, inFlight);
  return Math.max(1, Math.floor(base * beta));
}

/**
 * Additive increase: +1 slot per `current` successes (TCP's congestion avoidance). Returns
 * `undefined` once back at the ceiling (the limit is the configured one again).
 */
export function raiseConcurrency(
  current: number | undefined,
  ceiling: number | undefined,
): number | undefined {
  if (current === undefined) return undefined;
  const next = current + 1 / Math.max(1, Math.floor(current));
  if (ceiling !== undefined && next >= ceiling) return undefined;
  return next;
}

/** The limit to apply: the adapted value when there is one, else the ceiling. */
export function effectiveConcurrency(
  current: number | undefined,
  ceiling: number | undefined,
): number | undefined {
  // The epsilon absorbs float drift from summing 1/n steps (3 + 3 × 1/3 must give 4).
  return current === undefined ? ceiling : Math.max(1, Math.floor(current + 1e-9));
}
