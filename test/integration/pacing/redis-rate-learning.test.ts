import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createVendorEngine } from '../../../lib/core/default-engine.js';
import {
  createPacing,
  type Pacing,
  type PacingOptions,
  type VendorPacer,
} from '../../../lib/pacing/index.js';
import { TokenBucket } from '../../../lib/testing/token-bucket.js';
import { sleep } from '../../../lib/run/sleep.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

/**
 * Cluster mode learns the vendor's rate from the sends of every process together: four pacings
 * (each with its own Redis connections, as four processes would have) share one key, all
 * configured at four times what the vendor's token bucket allows. Each process alone sees a quarter of
 * the sends, so a per-process estimate would be a quarter of the truth; the shared episodes give
 * the whole. The vendor is an in-memory bucket (no HTTP: the test is about the pacers, and four
 * HTTP clients would load the 2-core machine enough to blur the timing).
 */
const describeRedis = redisTestsEnabled() ? describe : describe.skip;
const VENDOR_PER_SEC = 40;
const BURST = 20;
const PROCESSES = 4;
const CALLS_EACH = 50;

let redis: RedisServer;
let pacings: Pacing[] = [];

function limitedVendor() {
  const bucket = new TokenBucket(VENDOR_PER_SEC, BURST, { now: () => Date.now() });
  const log: { atMs: number; status: number }[] = [];
  const answer = async () => {
    if (bucket.tryTake()) {
      log.push({ atMs: Date.now(), status: 202 });
      return { status: 202, headers: {}, body: '{"id":"run_1","status":"queued"}' };
    }
    log.push({ atMs: Date.now(), status: 429 });
    const error = { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', retryAfterSeconds: 1 };
    return { status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ error }) };
  };
  return { answer, log };
}

/** What the got adapter does for one call: schedule each attempt, decide, record, wait. */
async function call(pacer: VendorPacer, vendor: ReturnType<typeof limitedVendor>): Promise<void> {
  const engine = createVendorEngine();
  for (let attempt = 1; ; attempt++) {
    const response = await pacer.schedule(vendor.answer);
    const next = await pacer.record(engine.decide({ vendor: 'zenhire', ...response, attempt }));
    if (next.action === 'ok') return;
    if (next.action !== 'backoff') throw new Error(next.reason);
    await sleep(next.delayMs);
  }
}

describeRedis('cluster mode: four processes learn the vendor rate together', () => {
  beforeEach(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(pacings.map((p) => p.close()));
    pacings = [];
    await redis?.stop();
  });

  test('configured at 4× a 40/s bucket: three throttles teach about 40/s, every call succeeds', async () => {
    const { throttles, limitedShare, finalRates } = await clusterStorm({
      zenhire: { requestsPerMinute: 4 * VENDOR_PER_SEC * 60, maxConcurrent: 100 },
    });
    // The plain decrease alone (0.7× per throttle: 160, 112, 78, 55, 38) needs four or five
    // throttles to come down; the episodes at 160/s and 78/s (about 27 and 41 accepted) give the
    // estimate. Those at 160/s and 112/s are too few requests apart (fitted 26/s and 48/s in CI).
    expect(throttles).toBeLessThanOrEqual(3);
    // Near the vendor's rate (measured 38–45/s over a dozen runs, Node 20 and 24).
    for (const rate of finalRates) {
      expect(rate).toBeGreaterThan(0.75 * VENDOR_PER_SEC);
      expect(rate).toBeLessThan(1.4 * VENDOR_PER_SEC);
    }
    expect(limitedShare).toBeLessThan(0.1);
  }, 60_000);
});

/** PROCESSES pacings on one Redis key, CALLS_EACH calls each at once into the bucket. */
async function clusterStorm(vendors: PacingOptions['vendors']) {
  const keyPrefix = `learn-${Date.now()}`;
  const vendor = limitedVendor();
  pacings = Array.from({ length: PROCESSES }, () =>
    createPacing({ redis: redis.url, keyPrefix, ...(vendors ? { vendors } : {}) }),
  );
  const pacers = pacings.map((p) => p.pacer({ vendor: 'zenhire', credential: 'k' }));
  const learned: number[] = [];
  pacings[0]?.on('rateChanged', (e) => {
    if (e.requestsPerSecond !== undefined) learned.push(e.requestsPerSecond);
  });
  // Throttles that lowered the shared rate (not answers to requests already in flight).
  let throttles = 0;
  let gateOpenAtMs = 0;
  for (const pacing of pacings) {
    pacing.on('gateClosed', ({ openAtMs }) => {
      if (Date.now() >= gateOpenAtMs) throttles += 1;
      gateOpenAtMs = Math.max(gateOpenAtMs, openAtMs);
    });
  }
  const started = Date.now();
  const outcomes = await Promise.allSettled(
    pacers.flatMap((pacer) => Array.from({ length: CALLS_EACH }, () => call(pacer, vendor))),
  );
  const seconds = (Date.now() - started) / 1000;
  const limited = vendor.log.filter((r) => r.status === 429).length;
  // Each pacer's settings are its last read of the shared state (reused for 25 ms): one that sent
  // nothing after the last throttle still shows the rate before it (CI saw 56.4/s next to three
  // 40.1/s). One more turn each, past the cache, reads the rate the cluster holds now.
  await sleep(50);
  await Promise.all(pacers.map((p) => p.schedule(async () => undefined)));
  const finalRates = pacers.map((p) => p.settings().requestsPerSecond);
  console.log(
    `cluster learning: ${seconds.toFixed(2)} s for ${PROCESSES * CALLS_EACH} calls, ${vendor.log.length} requests, ` +
      `${limited} × 429, ${throttles} throttles; rates seen ${learned.map((r) => r.toFixed(0)).join(' ')}; ` +
      `final ${finalRates.map((r) => r?.toFixed(1)).join(', ')}`,
  );
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  return { throttles, limitedShare: limited / vendor.log.length, finalRates };
}
