import { afterEach, describe, expect, test } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';

// Adversarial cases of in-process pacing: each failed on the code before its fix.

let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  pacing = undefined;
});

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
});
