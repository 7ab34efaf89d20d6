import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { createVendorEngine } from '../../../lib/core/default-engine.js';
import { createPacing, type Pacing, type VendorPacer } from '../../../lib/pacing/index.js';
import { TokenBucket } from '../../../lib/testing/token-bucket.js';
import { sleep } from '../../../lib/run/sleep.js';

/**
 * Storms on simulated time (fake timers): the client is configured at twice what the vendor's
 * token bucket really allows, and many calls arrive at once. The pacer must learn the real rate.
 */
const START_MS = Date.parse('2026-04-21T12:00:00Z');
let pacing: Pacing;

beforeEach(() => {
  jest.useFakeTimers({ now: START_MS, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
});

/** A ZenHire submit endpoint behind a token bucket, logging what it answered and when. */
function limitedVendor(perSec: number, burst: number) {
  const clock = { now: () => Date.now() };
  const bucket = new TokenBucket(perSec, burst, clock);
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
  return { vendor, log, clock };
}

/** What the got adapter does for one call: schedule each attempt, decide, record, wait. */
function caller(pacer: VendorPacer, vendor: ReturnType<typeof limitedVendor>) {
  const engine = createVendorEngine({ clock: vendor.clock, random: () => 0.5 });
  return async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const response = await pacer.schedule(vendor.vendor);
      const decided = engine.decide({ vendor: 'zenhire', ...response, attempt });
      const next = await pacer.record(decided);
      if (next.action === 'ok') return;
      if (next.action !== 'backoff') throw new Error(next.reason);
      await sleep(next.delayMs);
    }
  };
}

test('a client configured at 2× the real limit sees almost no 429s in the second minute', async () => {
  const vendor = limitedVendor(500 / 60, 5);
  const { log } = vendor;
  pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 1000 } } });
  const pacer = pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 500, maxConcurrent: 8 } });
  const call = caller(pacer, vendor);
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

/**
 * The bench's storm on simulated time: 500 calls at once into a 50/s bucket (burst 10) through
 * `pacing`. Returns the completion time, the 429s, the throttles that lowered the rate (not
 * answers to requests already in flight) and the rate at the end; closes the pacing.
 */
async function benchStorm(): Promise<{
  seconds: number;
  requests: number;
  limited: number;
  gates: number[];
  rateAtEnd: number | undefined;
  rates: string[];
}> {
  const vendor = limitedVendor(50, 10);
  const pacer = pacing.pacer({ vendor: 'zenhire' });
  const gates: number[] = [];
  let gateOpenAtMs = 0;
  pacing.on('gateClosed', ({ openAtMs }) => {
    if (Date.now() >= gateOpenAtMs) gates.push(Date.now() - START_MS);
    gateOpenAtMs = Math.max(gateOpenAtMs, openAtMs);
  });
  const rates: string[] = [];
  pacing.on('rateChanged', (e) => rates.push(`${Date.now() - START_MS}:${e.requestsPerSecond?.toFixed(1)}`));
  const call = caller(pacer, vendor);
  let doneAtMs = 0;
  let rateAtEnd: number | undefined;
  const calls = Promise.all(Array.from({ length: 500 }, () => call())).then(() => {
    doneAtMs = Date.now();
    rateAtEnd = pacer.settings().requestsPerSecond;
  });
  await jest.advanceTimersByTimeAsync(30_000);
  await calls;
  const closing = pacing.close();
  await jest.advanceTimersByTimeAsync(5000);
  await closing;
  const limited = vendor.log.filter((r) => r.status === 429).length;
  return {
    seconds: (doneAtMs - START_MS) / 1000,
    requests: vendor.log.length,
    limited,
    gates,
    rateAtEnd,
    rates,
  };
}

test('the benchmark storm: two throttles teach the pacer a 50/s limit', async () => {
  pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 6000, maxConcurrent: 100 } } });
  const { seconds, limited, gates, rateAtEnd, rates } = await benchStorm();
  console.log(
    `storm at 2× a 50/s bucket: ${seconds} s, ${limited} 429s, gate closed at ${gates.join(', ')} ms; ` +
      `rates ${rates.join(' ')}`,
  );
  expect(gates.length).toBeLessThanOrEqual(3);
  expect(seconds).toBeLessThan(1.25 * ((500 - 10) / 50)); // the bench's target is 1.3 × ideal
  expect(rateAtEnd).toBeGreaterThan(45);
  expect(rateAtEnd).toBeLessThan(55);
}, 60_000);

test('the benchmark storm with no rate configured: a probe from what was accepted finds the 50/s limit', async () => {
  // The default pacing's setup: no rate, no concurrency limit (slow start), the retry budget.
  pacing = createPacing();
  const { seconds, requests, limited, gates, rateAtEnd, rates } = await benchStorm();
  console.log(
    `storm at an unknown 50/s bucket: ${seconds} s, ${requests} requests, ${limited} 429s, ` +
      `gate closed at ${gates.join(', ')} ms; rates ${rates.filter((r) => Number(r.split(':')[0]) > 1900).join(' ')}`,
  );
  // The first throttle (the opening burst) and the probe's: the estimate ends the probing.
  expect(gates.length).toBeLessThanOrEqual(3);
  expect(seconds).toBeLessThan(1.3 * ((500 - 10) / 50));
  expect(limited / requests).toBeLessThan(0.05);
  expect(rateAtEnd).toBeGreaterThan(45);
  expect(rateAtEnd).toBeLessThan(55);
}, 60_000);
