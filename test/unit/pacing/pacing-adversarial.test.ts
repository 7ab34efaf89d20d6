import { afterEach, describe, expect, test } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { createManualClock, type ManualClock } from '../../../lib/testing/index.js';
import { decision } from './helpers.js';

// Adversarial cases of in-process pacing: each failed on the code before its fix.

let pacing: Pacing | undefined;
let clock: ManualClock | undefined;
afterEach(async () => {
  await pacing?.close();
  pacing = undefined;
  clock?.dispose();
  clock = undefined;
});

/** Runs a call to its end on the manual clock (its start may be spaced by the learned rate). */
async function settle<T>(call: Promise<T>): Promise<T> {
  let ended = false;
  const tracked = call.finally(() => (ended = true));
  for (let i = 0; i < 100 && !ended; i++) await clock?.advanceAsync(100);
  return tracked;
}

/** Lets pending callbacks of the event loop run (a few turns, no timers). */
async function turns(count = 10): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Timers that keep the process alive now. */
const refTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('in-process pacing, adversarial', () => {
  // A call waiting for its turn at the rate (one start a minute here) is held by a limiter slot
  // sleeping out the spacing. When that call aborted, the sleep went on: a timer that kept the
  // process alive for up to a minute after every call had ended, for nobody.
  test('a call aborted while its start is spaced leaves no timer keeping the process alive', async () => {
    const before = refTimers();
    pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 1 } } });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    await pacer.schedule(async () => 'first');
    const controller = new AbortController();
    const second = pacer.schedule(async () => 'second', { signal: controller.signal });
    await turns();
    expect(refTimers()).toBeGreaterThan(before); // the spacing holds the process while someone waits
    controller.abort(new Error('the caller has gone'));
    await expect(second).rejects.toThrow('the caller has gone');
    await turns();
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
    expect(refTimers()).toBe(before);
  });
  test('a pacer its caller keeps using is not dropped as idle, nor what it learned', async () => {
    clock = createManualClock(Date.UTC(2026, 0, 1));
    pacing = createPacing({ clock, idleExpiryMs: 60_000 });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    await pacer.record(
      decision({ action: 'backoff', category: 'rate_limited', delayMs: 1_000, delaySource: 'header' }),
    );
    expect(pacer.settings().maxConcurrent).toBeUndefined(); // slow start is over
    for (let i = 0; i < 6; i++) {
      await clock.advanceAsync(30_000);
      await settle(pacer.schedule(async () => 'sent'));
      await pacer.record(decision({ action: 'ok' }));
    }
    expect(pacing.pacer({ vendor: 'zenhire' }).settings().maxConcurrent).toBeUndefined();
    expect(pacing.pacer({ vendor: 'zenhire' })).toBe(pacer);
  });

  // A heavy call queued while concurrency was lowered is asked of the limiter at the lowered
  // limit (so it can start at all), and then holds only that many slots for as long as it runs.
  // Once successes raise concurrency back to the configured maxConcurrent, light calls fill the
  // slots it does not hold: more weight in flight than the vendor's plan allows.
  test('a heavy call started under a lowered concurrency still counts its full weight once the limit is back', async () => {
    pacing = createPacing({ vendors: { zenhire: { maxConcurrent: 4 } } });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    await pacer.record(decision({ action: 'retry', category: 'concurrency_limited' }));
    expect(pacer.settings().maxConcurrent).toBe(2);
    let inFlight = 0;
    let peak = 0;
    const finishers: (() => void)[] = [];
    const task = (weight: number) => () =>
      new Promise<void>((resolve) => {
        inFlight += weight;
        peak = Math.max(peak, inFlight);
        finishers.push(() => {
          inFlight -= weight;
          resolve();
        });
      });
    const heavy = pacer.schedule(task(4), { weight: 4 });
    await turns();
    expect(inFlight).toBe(4); // it runs alone, rather than waiting for ever
    for (let i = 0; i < 10 && pacer.settings().maxConcurrent !== 4; i++)
      await pacer.record(decision({ action: 'ok' }));
    expect(pacer.settings().maxConcurrent).toBe(4);
    const light = [pacer.schedule(task(1)), pacer.schedule(task(1))];
    await turns();
    const peakWithHeavy = peak;
    while (finishers.length > 0) {
      finishers.shift()?.();
      await turns();
    }
    await Promise.all([heavy, ...light]);
    expect(peakWithHeavy).toBeLessThanOrEqual(4);
  });
});
