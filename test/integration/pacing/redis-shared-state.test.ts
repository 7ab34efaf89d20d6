import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { decision } from '../../unit/pacing/helpers.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

const describeRedis = redisTestsEnabled() ? describe : describe.skip;

let redis: RedisServer;
let a: Pacing;
let b: Pacing;

describeRedis('two pacings on one Redis share the gate, the adaptive state and the budget', () => {
  beforeEach(async () => {
    redis = await startRedisServer();
    const options = { redis: redis.url, keyPrefix: `shared-${Date.now()}`, sharedStateCacheMs: 0 };
    a = createPacing({ ...options, retryBudget: { capacity: 2, refillPerSuccess: 0.5 } });
    b = createPacing({ ...options, retryBudget: { capacity: 2, refillPerSuccess: 0.5 } });
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('a backoff recorded in one process holds calls in the other until the wait is over', async () => {
    const pa = a.pacer({ vendor: 'zenhire', credential: 'k', limits: { requestsPerMinute: 6000 } });
    const pb = b.pacer({ vendor: 'zenhire', credential: 'k', limits: { requestsPerMinute: 6000 } });
    const rateLimited = decision({
      action: 'backoff',
      category: 'rate_limited',
      delayMs: 700,
      delaySource: 'header',
      retryAfterMs: 600,
    });
    const before = Date.now();
    await pa.record(rateLimited);
    const startedAt = await pb.schedule(async () => Date.now());
    expect(startedAt - before).toBeGreaterThanOrEqual(590);
    // The lowered rate is shared too, and its recovery starts when the gate opens: 0.7 × 100.
    expect(pb.settings().requestsPerSecond).toBeGreaterThanOrEqual(70);
    expect(pb.settings().requestsPerSecond).toBeLessThan(72);
  });

  test('concurrency decrease and recovery are shared', async () => {
    const pa = a.pacer({ vendor: 'breeze', limits: { maxConcurrent: 6 } });
    const pb = b.pacer({ vendor: 'breeze', limits: { maxConcurrent: 6 } });
    await pa.record(decision({ action: 'backoff', category: 'concurrency_limited', delayMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pb.schedule(async () => undefined); // reads the shared state
    expect(pb.settings().maxConcurrent).toBe(3);
    for (let i = 0; i < 3; i++) await pb.record(decision({ action: 'ok' }));
    await pa.schedule(async () => undefined);
    expect(pa.settings().maxConcurrent).toBe(4);
  });

  test('with the default budget, ten successes in either process pay one retry back', async () => {
    const options = { redis: redis.url, keyPrefix: `budget-${Date.now()}`, sharedStateCacheMs: 0 };
    const c = createPacing(options);
    const d = createPacing(options);
    try {
      const pc = c.pacer({ vendor: 'audixa' });
      const pd = d.pacer({ vendor: 'audixa' });
      const retry = decision({ action: 'retry' });
      for (let i = 0; i < 10; i++) expect((await pc.record(retry)).action).toBe('retry');
      expect((await pd.record(retry)).action).toBe('fail');
      for (let i = 0; i < 5; i++) {
        await pc.record(decision({ action: 'ok' }));
        await pd.record(decision({ action: 'ok' }));
      }
      expect((await pd.record(retry)).action).toBe('retry');
    } finally {
      await c.close();
      await d.close();
    }
  });

  test('the retry budget is one bucket for both processes', async () => {
    const pa = a.pacer({ vendor: 'audixa' });
    const pb = b.pacer({ vendor: 'audixa' });
    const retry = decision({ action: 'retry' });
    expect((await pa.record(retry)).action).toBe('retry');
    expect((await pb.record(retry)).action).toBe('retry');
    expect(await pa.record(retry)).toMatchObject({ action: 'fail', category: 'budget_exhausted' });
    await pb.record(decision({ action: 'ok' }));
    await pb.record(decision({ action: 'ok' }));
    expect((await pa.record(retry)).action).toBe('retry');
    expect((await pb.record(retry)).action).toBe('fail');
  });
});
