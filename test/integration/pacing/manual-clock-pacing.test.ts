import { afterEach, describe, expect, it } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { presetJob, runVendorJob } from '../../../lib/adapters/got/index.js';
import {
  createManualClock,
  startVendorSimulator,
  type ManualClock,
  type VendorSimulator,
} from '../../../lib/testing/index.js';
import { decision } from '../../unit/pacing/helpers.js';

// One time source (issue 13 item 3): pacing given a manual clock waits on it. Advancing the clock
// releases the backoff gate and the rate spacing; real time passing releases nothing.

let clock: ManualClock | undefined;
let pacing: Pacing | undefined;
let simulator: VendorSimulator | undefined;
afterEach(async () => {
  clock?.dispose();
  await pacing?.close();
  await simulator?.close();
  clock = undefined;
  pacing = undefined;
  simulator = undefined;
});

/** Lets every pending callback of the event loop run (real time, a few turns, no timers). */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Real milliseconds pass (a short real wait: nothing may be released by it). */
const realMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pacing on a manual clock', () => {
  it('a closed 30 s gate opens when the clock passes it, not before, and not on real time', async () => {
    clock = createManualClock(Date.UTC(2026, 0, 1));
    pacing = createPacing({ clock });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    await pacer.record(
      decision({
        action: 'backoff',
        category: 'rate_limited',
        delayMs: 30_000,
        delaySource: 'header',
        retryAfterMs: 30_000,
      }),
    );
    let started = false;
    const held = pacer.schedule(async () => {
      started = true;
      return 'sent';
    });
    await realMs(30);
    await clock.advanceAsync(29_999);
    expect(started).toBe(false);
    await clock.advanceAsync(2_000);
    await expect(held).resolves.toBe('sent');
    expect(started).toBe(true);
  });

  it('rate spacing (600/min: one start per 100 ms) passes with the clock', async () => {
    clock = createManualClock(Date.UTC(2026, 0, 1));
    pacing = createPacing({ clock, vendors: { zenhire: { requestsPerMinute: 600 } } });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    const startsMs: number[] = [];
    const all = Promise.all(
      Array.from({ length: 4 }, () =>
        pacer.schedule(async () => {
          startsMs.push(clock!.now());
        }),
      ),
    );
    await turns();
    await realMs(150); // more than a spacing of real time: nothing more may start
    expect(startsMs).toHaveLength(1);
    await clock.advanceAsync(300);
    await all;
    const t0 = startsMs[0] as number;
    expect(startsMs.map((t) => t - t0)).toEqual([0, 100, 200, 300]);
    expect(clock.pendingWaits()).toBe(1); // only the idle-pacer sweep: no spacing wait is left
    await pacing.close();
    expect(clock.pendingWaits()).toBe(0);
  });

  it('two runVendorJob calls sharing a paced manual clock both finish (ZenHire 15 s polls, auto-advanced)', async () => {
    clock = createManualClock(Date.parse('2026-04-21T12:00:00Z'), { autoAdvance: true });
    simulator = await startVendorSimulator({ vendor: 'zenhire', apiKey: 'zh_test', clock });
    pacing = createPacing({ clock });
    const job = presetJob('zenhire', {
      baseUrl: simulator.url,
      submit: { headers: { 'x-api-key': 'zh_test' }, body: 'audio' },
    });
    const startedAtMs = clock.now();
    const realStart = Date.now();
    const [a, b] = await Promise.all([
      runVendorJob('zenhire', job, { clock, pacing }),
      runVendorJob('zenhire', job, { clock, pacing }),
    ]);
    expect(a.body).toMatchObject({ status: 'success' });
    expect(b.body).toMatchObject({ status: 'success' });
    expect(clock.now() - startedAtMs).toBeGreaterThanOrEqual(15_000);
    expect(Date.now() - realStart).toBeLessThan(5_000);
  });
});
