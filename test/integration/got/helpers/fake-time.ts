import type { Clock } from '../../../../lib/index.js';
import { abortReason } from '../../../../lib/run/sleep.js';
import { createManualClock } from '../../../../lib/testing/clock.js';

/** A fake clock that records each wait a call awaits and moves time by it instead of sleeping. */
export interface FakeTime {
  /**
   * The `clock` option: a wait someone awaits (a retry, a poll, a held pacer call) is recorded and
   * passes at once; housekeeping waits (`unref`: the deadline watch, a gate's reopening) end when
   * time passes them, as on a manual clock.
   */
  clock: Clock;
  /** Every awaited wait the adapter scheduled, in ms, in order. */
  waits: number[];
}

/**
 * Creates {@link FakeTime} starting at a fixed epoch time. `onWait` runs after each recorded wait
 * has moved time (e.g. to let a server come up "during" the wait); the wait ends when it settles.
 */
export function fakeTime(startMs = Date.UTC(2026, 0, 1), onWait?: () => Promise<unknown>): FakeTime {
  const manual = createManualClock(startMs);
  const waits: number[] = [];
  return {
    waits,
    clock: {
      now: () => manual.now(),
      sleep: async (delayMs, options = {}) => {
        if (options.unref) return manual.sleep(delayMs, options);
        if (options.signal?.aborted) throw abortReason(options.signal);
        waits.push(delayMs);
        manual.advance(Math.max(0, delayMs));
        await onWait?.();
      },
    },
  };
}
