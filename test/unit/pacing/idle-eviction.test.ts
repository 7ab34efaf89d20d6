import { afterEach, describe, expect, test } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { createManualClock, type ManualClock } from '../../../lib/testing/index.js';
import { decision } from './helpers.js';

// Issue 12: a pacing's memory follows the keys in use. A pacer unused for idleExpiryMs, holding no
// call and with its gate open, is dropped (with its state); asking again gives a fresh one.

const IDLE_MS = 60_000;
let clock: ManualClock;
let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  pacing = undefined;
  clock.dispose();
});

function setup(): Pacing {
  clock = createManualClock(Date.UTC(2026, 0, 1));
  pacing = createPacing({ clock, idleExpiryMs: IDLE_MS });
  return pacing;
}

describe('idle pacers are dropped', () => {
  test('a pacer unused for idleExpiryMs is dropped; one used since is kept', async () => {
    const p = setup();
    const idle = p.pacer({ vendor: 'zenhire', credential: 'key-idle' });
    const used = p.pacer({ vendor: 'zenhire', credential: 'key-used' });
    await idle.schedule(async () => 'x');
    await used.schedule(async () => 'x');
    await clock.advanceAsync(IDLE_MS / 2);
    expect(p.pacer({ vendor: 'zenhire', credential: 'key-used' })).toBe(used);
    await clock.advanceAsync(IDLE_MS / 2 + 1_000);
    expect(p.pacer({ vendor: 'zenhire', credential: 'key-idle' })).not.toBe(idle);
    expect(p.pacer({ vendor: 'zenhire', credential: 'key-used' })).toBe(used);
    await clock.advanceAsync(IDLE_MS + 1_000);
    expect(p.pacer({ vendor: 'zenhire', credential: 'key-used' })).not.toBe(used);
  });

  test('a pacer with a call running, or a gate still closed, is kept', async () => {
    const p = setup();
    const busy = p.pacer({ vendor: 'zenhire', credential: 'busy' });
    let finish: () => void = () => undefined;
    const running = busy.schedule(() => new Promise<void>((resolve) => (finish = resolve)));
    const gated = p.pacer({ vendor: 'zenhire', credential: 'gated' });
    await gated.record(
      decision({ action: 'backoff', category: 'rate_limited', delayMs: 5 * IDLE_MS, delaySource: 'header' }),
    );
    await clock.advanceAsync(IDLE_MS + 1_000);
    expect(p.pacer({ vendor: 'zenhire', credential: 'busy' })).toBe(busy);
    expect(p.pacer({ vendor: 'zenhire', credential: 'gated' })).toBe(gated);
    expect(gated.settings().gateOpenAtMs).toBeGreaterThan(clock.now());
    finish();
    await running;
  });

  test('what a dropped pacer learned goes with it: a fresh pacer starts with an open gate', async () => {
    const p = setup();
    const first = p.pacer({ vendor: 'zenhire', credential: 'k' });
    await first.record(
      decision({ action: 'backoff', category: 'rate_limited', delayMs: 1_000, delaySource: 'header' }),
    );
    await clock.advanceAsync(IDLE_MS + 5_000);
    const fresh = p.pacer({ vendor: 'zenhire', credential: 'k' });
    expect(fresh).not.toBe(first);
    // No gate, no learned rate, and slow start from its first window again (8).
    expect(fresh.settings()).toEqual({
      maxConcurrent: 8,
      requestsPerSecond: undefined,
      gateOpenAtMs: 0,
    });
  });

  test('no timer is left once every pacer was dropped, and close() leaves none either', async () => {
    const p = setup();
    for (let i = 0; i < 100; i++)
      await p.pacer({ vendor: 'zenhire', credential: `k${i}` }).schedule(async () => i);
    expect(clock.pendingWaits()).toBe(1); // the sweep
    await clock.advanceAsync(IDLE_MS + 1_000);
    expect(clock.pendingWaits()).toBe(0);
    p.pacer({ vendor: 'zenhire', credential: 'again' });
    expect(clock.pendingWaits()).toBe(1);
    await p.close();
    expect(clock.pendingWaits()).toBe(0);
  });
});

describe('slow start of a pacer told no limit', () => {
  test('the window starts at 8, grows by one per success, and the first "slow down" ends it', async () => {
    const p = setup();
    const pacer = p.pacer({ vendor: 'zenhire', credential: 'slow-start' });
    expect(pacer.settings().maxConcurrent).toBe(8);
    for (let i = 0; i < 4; i++) await pacer.record(decision({ action: 'ok' }));
    expect(pacer.settings().maxConcurrent).toBe(12);
    await pacer.record(
      decision({ action: 'backoff', category: 'rate_limited', delayMs: 1_000, delaySource: 'header' }),
    );
    expect(pacer.settings().maxConcurrent).toBeUndefined();
  });

  test('a pacer with a configured limit has no slow start', () => {
    const p = setup();
    expect(
      p.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 600 } }).settings().maxConcurrent,
    ).toBeUndefined();
    expect(p.pacer({ vendor: 'breeze', limits: { maxConcurrent: 3 } }).settings().maxConcurrent).toBe(3);
  });
});
