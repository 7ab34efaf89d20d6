import type { SleepFunction } from '../../../../lib/adapters/got/index.js';
import { abortReason } from '../../../../lib/run/sleep.js';

/** A fake clock plus a scheduler that records each requested wait and advances the clock instead of sleeping. */
export interface FakeTime {
  clock: { now(): number };
  sleep: SleepFunction;
  /** Every wait the adapter scheduled, in ms, in order. */
  waits: number[];
}

/** Creates {@link FakeTime} starting at a fixed epoch time. */
export function fakeTime(startMs = Date.UTC(2026, 0, 1)): FakeTime {
  let now = startMs;
  const waits: number[] = [];
  return {
    clock: { now: () => now },
    waits,
    sleep: async (delayMs, { signal }) => {
      if (signal?.aborted) throw abortReason(signal);
      waits.push(delayMs);
      now += delayMs;
    },
  };
}
