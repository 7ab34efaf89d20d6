import type { Clock } from '../core/engine/types.js';
import { sleep, type SleepOptions } from './sleep.js';

/** A {@link Clock} whose waits are known: what every part of the library reads time and waits through. */
export interface TimeSource {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Abort-aware wait of `delayMs` on this source's time. */
  sleep(delayMs: number, options?: SleepOptions): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemTime: TimeSource = { now: () => Date.now(), sleep };

/**
 * The time source behind a user's `clock` option: the clock itself when it can wait, its `now()`
 * with real timers when it cannot, the system's when there is none.
 */
export function timeSourceOf(clock: Clock | undefined): TimeSource {
  if (clock === undefined) return systemTime;
  const wait = clock.sleep;
  if (typeof wait === 'function') {
    return { now: () => clock.now(), sleep: (delayMs, options) => wait.call(clock, delayMs, options) };
  }
  return { now: () => clock.now(), sleep };
}

/**
 * Calls `callback` after `delayMs` on `time` unless cancelled first: the timer form of a wait, for
 * code that arms and re-arms (a gate, a reconnect). Returns the function that cancels it.
 */
export function startTimer(
  time: TimeSource,
  callback: () => void,
  delayMs: number,
  options: { unref?: boolean } = {},
): () => void {
  const controller = new AbortController();
  time.sleep(Math.max(0, delayMs), { signal: controller.signal, ...options }).then(callback, () => undefined);
  return () => controller.abort(TIMER_CANCELLED);
}

/** The reason a cancelled timer's wait ends with (swallowed): one error for all, see vendor-pacer.ts's PACER_CLOSED. */
const TIMER_CANCELLED = new Error('timer cancelled');
