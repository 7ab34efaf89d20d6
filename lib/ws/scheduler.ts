import type { Clock } from '../engine/types.js';
import { startTimer, timeSourceOf } from '../util/time-source.js';

/** Runs the waits a session decides on. Tests inject one to observe the waits without spending them. */
export interface Scheduler {
  /** Calls `callback` after `delayMs` milliseconds; returns a handle for {@link Scheduler.clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a pending callback; a no-op for one that already ran. */
  clearTimeout(handle: unknown): void;
}

/**
 * Real timers. The reconnect wait keeps the process alive on purpose: a session waiting to
 * reconnect is still in use, just as an open socket is. `close()` clears it.
 */
export const realScheduler: Scheduler = {
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A scheduler on a clock's own `sleep` (the reconnect waits then pass with that clock's time). */
export function clockScheduler(clock: Clock): Scheduler {
  const time = timeSourceOf(clock);
  return {
    setTimeout: (callback, delayMs) => startTimer(time, callback, delayMs),
    clearTimeout: (handle) => (handle as () => void)(),
  };
}

/** Starts an unref'd timer for housekeeping deadlines that never need to keep the process alive. */
export function unrefTimer(callback: () => void, delayMs: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(callback, Math.max(0, delayMs));
  timer.unref();
  return timer;
}
