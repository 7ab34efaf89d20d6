/**
 * The arithmetic of adaptive pacing, pure so the in-process store, the Redis store (whose Lua
 * mirrors `lowerConcurrency`/`raiseConcurrency`) and the tests agree on one definition.
 */

/** What a pacer remembers about the last rate-limit answer. `lastThrottleAtMs` 0 = never throttled. */
export interface ThrottleMemory {
  lastMaxRatePerSec: number;
  lastThrottleAtMs: number;
}

/** Rate-adaptation constants (AWS adaptive retry mode's BETA and MIN_FILL_RATE, and the cubic window). */
export interface RateConstants {
  beta: number;
  /**
   * Time to climb back to the throttled rate. AWS fixes the cubic constant instead (0.4), which
   * at speech vendors' rates (2–10 requests/s) returns to the limit within ~2 s and probes into
   * it every few seconds; a fixed window makes the probing period independent of the rate.
   */
  recoveryMs: number;
  minRatePerSec: number;
}

/** Defaults: AWS's BETA and minimum rate, a 10 s recovery window. */
export const DEFAULT_RATE_CONSTANTS: RateConstants = { beta: 0.7, recoveryMs: 10_000, minRatePerSec: 0.5 };

/** Above this multiple of the last throttled rate an unconfigured vendor is treated as unlimited again. */
const UNLIMITED_AFTER_FACTOR = 4;

/**
 * The allowed rate at `nowMs` (requests per second; `undefined` = unlimited). Before any throttle
 * it is the configured ceiling. After one it restarts at `beta` × the throttled rate and climbs
 * back on a cubic curve, as AWS adaptive retry mode does (slow near the old maximum, so the
 * pacer lingers just below the vendor's real limit), never above the ceiling.
 */
export function allowedRatePerSec(
  memory: ThrottleMemory,
  nowMs: number,
  ceilingPerSec: number | undefined,
  constants: RateConstants = DEFAULT_RATE_CONSTANTS,
): number | undefined {
  if (memory.lastThrottleAtMs <= 0 || memory.lastMaxRatePerSec <= 0) return ceilingPerSec;
  const elapsedSec = Math.max(0, nowMs - memory.lastThrottleAtMs) / 1000;
  const windowSec = constants.recoveryMs / 1000;
  // Chosen so that the curve starts at beta × lastMax and is flat at lastMax after windowSec.
  const scale = (memory.lastMaxRatePerSec * (1 - constants.beta)) / windowSec ** 3;
  const cubic = scale * (elapsedSec - windowSec) ** 3 + memory.lastMaxRatePerSec;
  const rate = Math.max(constants.minRatePerSec, cubic);
  if (ceilingPerSec !== undefined) return Math.min(ceilingPerSec, rate);
  return rate >= UNLIMITED_AFTER_FACTOR * memory.lastMaxRatePerSec ? undefined : rate;
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
