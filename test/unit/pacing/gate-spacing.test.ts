import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { DEFAULT_RATE_CONSTANTS } from '../../../lib/pacing/adaptive-math.js';
import { PacingEventHub } from '../../../lib/pacing/events.js';
import { MemoryPacingStore } from '../../../lib/pacing/memory-store.js';
import type { SlotLimiter } from '../../../lib/pacing/slot-limiter.js';
import { createVendorPacer, type VendorPacer } from '../../../lib/pacing/vendor-pacer.js';
import { systemTime } from '../../../lib/run/time-source.js';
import { decision, timedTask } from './helpers.js';

const START_MS = 1_000_000;
let pacer: VendorPacer;

beforeEach(() => {
  jest.useFakeTimers({ now: START_MS, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(async () => {
  await pacer.close();
  jest.useRealTimers();
});

/** A limiter that hands out every slot at once, so only the store's claimed starts space the sends. */
const eagerLimiter: SlotLimiter = {
  submit: (_weight, job) => void job(),
  update: async () => undefined,
  stop: async () => undefined,
};

test('a gate that closes while a start is being spaced holds that start too', async () => {
  const clock = systemTime;
  pacer = createVendorPacer({
    identity: { vendor: 'v', key: 'v' },
    store: new MemoryPacingStore(clock),
    limiter: eagerLimiter,
    events: new PacingEventHub(),
    time: clock,
    rateCeilingPerSec: 10, // one start every 100 ms
    concurrencyCeiling: undefined,
    rateConstants: DEFAULT_RATE_CONSTANTS,
    concurrencyBeta: 0.5,
    budget: undefined,
    sharedCacheMs: 0,
    keepProcessAlive: false,
    availability: undefined,
    unavailableError: (cause) => cause,
    onClose: () => undefined,
  }).pacer;
  const starts: number[] = [];
  const first = pacer.schedule(timedTask(starts, 1, 'first'));
  const second = pacer.schedule(timedTask(starts, 1, 'second')); // waits ~100 ms for its start
  await jest.advanceTimersByTimeAsync(50);
  await expect(first).resolves.toBe('first');
  await pacer.record(
    decision({
      action: 'backoff',
      category: 'rate_limited',
      delayMs: 1000,
      delaySource: 'header',
      retryAfterMs: 1000,
    }),
  );
  await jest.advanceTimersByTimeAsync(2000);
  await expect(second).resolves.toBe('second');
  expect(starts[0]).toBe(START_MS);
  expect(starts[1]).toBeGreaterThanOrEqual(START_MS + 50 + 1000);
});
