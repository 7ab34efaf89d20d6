import type { Clock } from '../../lib/core/engine/types.js';
import { sleep as realSleep } from '../../lib/run/sleep.js';
import { createManualClock, type ManualClock } from '../../lib/testing/clock.js';

/**
 * A manual clock that advances by itself (a decided wait ends as soon as the process is idle, not
 * after real time) and records every wait someone awaits: a WebSocket session's reconnect waits
 * (its connections' deadlines are unref'd housekeeping, not recorded).
 */
export interface RecordingClock extends Clock {
  /** Every awaited (not unref'd) wait asked for, in milliseconds, in order. */
  delaysMs: number[];
  /** Awaited waits still pending (a reconnect wait not yet over nor cancelled). */
  pending(): number;
  /** The manual clock underneath. */
  readonly manual: ManualClock;
  /** Stops advancing (for test teardown). */
  dispose(): void;
}

/** Options of {@link recordingClock}. */
export interface RecordingClockOptions {
  /**
   * Run unref'd waits (a session's connection deadlines: connect timeout, close after an error,
   * closing handshake) on real timers, for tests that measure them in real time against a real
   * server. Default false: they pass with the manual clock's time, as every other wait.
   */
  realTimeDeadlines?: boolean;
}

/** Creates a {@link RecordingClock} starting at the wall clock's time. */
export function recordingClock(options: RecordingClockOptions = {}): RecordingClock {
  const manual = createManualClock(Date.now(), { autoAdvance: true });
  const delaysMs: number[] = [];
  let pending = 0;
  return {
    delaysMs,
    manual,
    now: () => manual.now(),
    sleep(delayMs, sleepOptions) {
      if (sleepOptions?.unref === true) {
        return options.realTimeDeadlines
          ? realSleep(delayMs, sleepOptions)
          : manual.sleep(delayMs, sleepOptions);
      }
      const wait = manual.sleep(delayMs, sleepOptions);
      delaysMs.push(delayMs);
      pending += 1;
      const over = (): void => {
        pending -= 1;
      };
      wait.then(over, over);
      return wait;
    },
    pending: () => pending,
    dispose: () => manual.dispose(),
  };
}
