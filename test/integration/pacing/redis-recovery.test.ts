import { afterEach, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { createPacing, type Pacing, type VendorPacer } from '../../../lib/pacing/index.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

// Issue 13 item 1: cluster pacing after Redis lost its keys (FLUSHALL, a restart without
// persistence, the limiter's own idle expiry). bottleneck re-creates its state on
// SETTINGS_KEY_NOT_FOUND, but Redis 7 says "ERR SETTINGS_KEY_NOT_FOUND": every later call used to
// stay pending for ever. Now each call either runs (state re-created) or is refused within the
// Redis timeout while Redis is away; none stays pending.

const describeRedis = redisTestsEnabled() ? describe : describe.skip;
const REDIS_TIMEOUT_MS = 1000;

let redis: RedisServer | undefined;
let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  await redis?.stop(true);
  pacing = undefined;
  redis = undefined;
});

/** What one scheduled call came to within `boundMs`: its value, its rejection, or `pending`. */
async function outcome(pacer: VendorPacer, boundMs = REDIS_TIMEOUT_MS + 500): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('pending'), boundMs);
  });
  const settled = pacer
    .schedule(async () => 'ran')
    .then(
      (value) => value,
      (error: Error) => `rejected: ${error.message}`,
    );
  const result = await Promise.race([settled, pending]);
  clearTimeout(timer);
  return result;
}

function cluster(server: RedisServer, idleExpiryMs?: number): VendorPacer {
  pacing = createPacing({
    redis: server.url,
    keyPrefix: `recovery-${Date.now()}`,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
    keepProcessAlive: false,
    ...(idleExpiryMs === undefined ? {} : { idleExpiryMs }),
  });
  // Paced by rate and concurrency, so every call goes through the limiter's Redis scripts.
  return pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 6000, maxConcurrent: 4 } });
}

describeRedis('cluster pacing after Redis lost its keys', () => {
  test('FLUSHALL mid-run: the next calls run', async () => {
    redis = await startRedisServer();
    const pacer = cluster(redis);
    expect(await outcome(pacer)).toBe('ran');
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    expect(await Promise.all([outcome(pacer), outcome(pacer), outcome(pacer)])).toEqual([
      'ran',
      'ran',
      'ran',
    ]);
  });

  test('a limiter script error on a live connection rejects the waiting call instead of leaving it pending', async () => {
    redis = await startRedisServer();
    const pacer = cluster(redis);
    expect(await outcome(pacer)).toBe('ran');
    const admin = new Redis(redis.url);
    try {
      // Corrupt the limiter's settings hash: every bottleneck script on it now fails (WRONGTYPE).
      const keys = await admin.keys('b_recovery-*_settings');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        await admin.del(key);
        await admin.set(key, 'not a hash');
      }
    } finally {
      admin.disconnect();
    }
    const result = await outcome(pacer);
    expect(result).toMatch(/^rejected: .*(WRONGTYPE|pacing)/i);
  });

  test('idle longer than idleExpiryMs: the next call runs', async () => {
    redis = await startRedisServer();
    const pacer = cluster(redis, 1000);
    expect(await outcome(pacer)).toBe('ran');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await outcome(pacer)).toBe('ran');
  });

  test('a restart without persistence: refused while Redis is down, running again once it is back', async () => {
    redis = await startRedisServer();
    const pacer = cluster(redis);
    expect(await outcome(pacer)).toBe('ran');
    const { port } = redis;
    await redis.stop(true);
    expect(await outcome(pacer)).toMatch(/^rejected: zenhire: Cluster pacing is unavailable/);
    redis = await startRedisServer(port);
    // The client reconnects on its own schedule; within a few seconds calls run again.
    let result = 'pending';
    for (let i = 0; i < 20 && result !== 'ran'; i++) {
      result = await outcome(pacer);
      if (result !== 'ran') await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(result).toBe('ran');
    expect(await outcome(pacer)).toBe('ran');
  });
});
