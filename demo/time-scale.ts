import type { Clock } from '../lib/core/engine/types.js';
import { sleep as realSleep, type SleepOptions } from '../lib/run/sleep.js';

/**
 * Simulated time running `scale` times faster than the wall clock. Every party of the demo (the
 * simulators, the engine, both clients' waits) reads this one clock, so a 30 s Retry-After really
 * is waited in full on the simulated clock; it just takes 30 s / scale of real time.
 */
export interface ScaledTime {
  /** How many simulated milliseconds pass per real millisecond. */
  readonly scale: number;
  /**
   * The simulated clock, in ms since the epoch, with its own waits (a `Clock` with `sleep`): its
   * `sleep(delayMs)` waits `delayMs` simulated milliseconds, abort-aware (for the HTTP adapter,
   * pacing and the baseline).
   */
  readonly clock: Required<Clock>;
  /** Converts a real duration to simulated milliseconds. */
  toSimulatedMs(realMs: number): number;
}

/** The wall clock in ms since the epoch, monotonic within a process and comparable across processes. */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Creates a {@link ScaledTime} equal to the wall clock at `originMs` (default: now). Processes
 * given the same scale and origin read the same simulated time.
 */
export function createScaledTime(scale: number, originMs: number = wallNow()): ScaledTime {
  if (!(Number.isFinite(scale) && scale >= 1)) {
    throw new RangeError(`time scale must be a number ≥ 1 (got ${String(scale)})`);
  }
  if (!Number.isFinite(originMs)) {
    throw new RangeError(`time origin must be ms since the epoch (got ${String(originMs)})`);
  }
  const toRealMs = (simulatedMs: number): number => Math.max(0, Math.ceil(simulatedMs / scale));

  // The library's own abort-aware sleep, on real milliseconds.
  const scaledSleep = (delayMs: number, options: SleepOptions = {}): Promise<void> =>
    realSleep(toRealMs(delayMs), options);
  // The clock can wait, so the retry waits, pacing, deadlines and WebSocket sessions run on
  // simulated time too.
  const clock = { now: () => originMs + (wallNow() - originMs) * scale, sleep: scaledSleep };

  return { scale, clock, toSimulatedMs: (realMs) => realMs * scale };
}
