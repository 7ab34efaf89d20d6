import { describe, expect, test } from '@jest/globals';
import { MemoryPacingStore } from '../../../lib/pacing/memory-store.js';
import { lateStartAllowanceMs } from '../../../lib/pacing/pacing-store.js';

/** Claims `count` starts the way the pacer does: ask, sleep what it says plus `lagMs`, ask again. */
async function claimAll(
  store: MemoryPacingStore,
  clock: { ms: number },
  minTimeMs: number,
  count: number,
  lagMs: number,
): Promise<number[]> {
  const starts: number[] = [];
  while (starts.length < count) {
    const waitMs = await store.claimStart('k', minTimeMs);
    if (waitMs === 0) starts.push(clock.ms);
    else clock.ms += Math.ceil(waitMs) + lagMs;
  }
  return starts;
}

describe('claimStart spacing', () => {
  test('timer lag does not lower the rate: 49.5/s with every wake-up 1 ms late still gives 49.5/s', async () => {
    const clock = { ms: 1_000_000 };
    const store = new MemoryPacingStore({ now: () => clock.ms });
    const starts = await claimAll(store, clock, 1000 / 49.5, 496, 1);
    const perSec = (starts.length - 1) / ((starts.at(-1)! - starts[0]!) / 1000);
    expect(perSec).toBeGreaterThan(49.3);
    expect(perSec).toBeLessThanOrEqual(49.5 + 1e-9);
  });

  test('two starts are never closer than the spacing less the allowance', async () => {
    const clock = { ms: 1_000_000 };
    const store = new MemoryPacingStore({ now: () => clock.ms });
    const starts = await claimAll(store, clock, 20, 200, 3);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20 - lateStartAllowanceMs(20));
  });

  test('a stall longer than the allowance is not made up in a burst', async () => {
    const clock = { ms: 1_000_000 };
    const store = new MemoryPacingStore({ now: () => clock.ms });
    expect(await store.claimStart('k', 100)).toBe(0);
    clock.ms += 1000; // the process stalled for ten slots
    expect(await store.claimStart('k', 100)).toBe(0);
    clock.ms += 80;
    expect(await store.claimStart('k', 100)).toBe(20); // spaced from the late start, not the missed slots
  });

  test('the allowance is a quarter of the spacing, at most 10 ms', () => {
    expect(lateStartAllowanceMs(20)).toBe(5);
    expect(lateStartAllowanceMs(500)).toBe(10);
  });
});
