import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { createVendorEngine } from '../../../lib/default-engine.js';
import { createPacing, type Pacing } from '../../../lib/limit/index.js';
import { TokenBucket } from '../../../lib/testing/token-bucket.js';
import { sleep } from '../../../lib/util/sleep.js';

/**
 * Two simulated minutes of a storm (fake timers): ZenHire really allows 500/min, the client is
 * configured at twice that, and 1100 calls arrive at once. The pacer must learn the real rate.
 */
const START_MS = Date.parse('2026-04-21T12:00:00Z');
let pacing: Pacing;

beforeEach(() => {
  jest.useFakeTimers({ now: START_MS, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
});

test('a client configured at 2× the real limit sees almost no 429s in the second minute', async () => {
  const clock = { now: () => Date.now() };
  const bucket = new TokenBucket(500 / 60, 5, clock);
  const log: { atMs: number; status: number }[] = [];
  const vendor = async (): Promise<{ status: number; headers: Record<string, string>; body: string }> => {
    const atMs = Date.now() - START_MS;
    if (bucket.tryTake()) {
      log.push({ atMs, status: 202 });
      return { status: 202, headers: {}, body: '{"id":"run_1","status":"queued"}' };
    }
    const seconds = Math.max(1, Math.ceil(bucket.msUntilNextToken() / 1000));
    log.push({ atMs, status: 429 });
    const error = { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', retryAfterSeconds: seconds };
    return { status: 429, headers: { 'retry-after': String(seconds) }, body: JSON.stringify({ error }) };
  };
  const engine = createVendorEngine({ clock, random: () => 0.5 });
  pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 1000 } } });
  const pacer = pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 500, maxConcurrent: 8 } });

  // What the got adapter does for one call: schedule each attempt, decide, record, wait.
  const call = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const response = await pacer.schedule(vendor);
      const decided = engine.decide({ vendor: 'zenhire', ...response, attempt });
      const next = await pacer.record(decided);
      if (next.action === 'ok') return;
      if (next.action !== 'backoff') throw new Error(next.reason);
      await sleep(next.delayMs);
    }
  };
  const calls = Array.from({ length: 1100 }, () => call().catch((error: Error) => error));
  await jest.advanceTimersByTimeAsync(120_000);

  const minute = (from: number) => log.filter((r) => r.atMs >= from && r.atMs < from + 60_000);
  const second = minute(60_000);
  const first = minute(0);
  const limited = (rows: typeof log) => rows.filter((r) => r.status === 429).length;
  console.log(
    `storm: minute 1 ${first.length} requests, ${limited(first)} 429s; ` +
      `minute 2 ${second.length} requests, ${limited(second)} 429s`,
  );
  expect(limited(second) / second.length).toBeLessThan(0.05);
  // …while still using the vendor's capacity: at least 85% of 500 accepted in minute 2.
  expect(second.length - limited(second)).toBeGreaterThanOrEqual(425);

  const closing = pacing.close();
  await jest.advanceTimersByTimeAsync(5000);
  await closing;
  const outcomes = await Promise.all(calls);
  const unfinished = outcomes.filter((o) => o instanceof Error);
  // Calls still queued at the end are rejected by close(); none failed on the way.
  for (const error of unfinished) expect((error as Error).message).toContain('was closed');
  expect(1100 - unfinished.length).toBe(log.filter((r) => r.status === 202).length);
}, 60_000);
