import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { openClusterConnection } from '../../../lib/pacing/redis-connection.js';
import { RedisPacingStore } from '../../../lib/pacing/redis-store.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

/**
 * Cluster mode: how the Redis store counts what the vendor accepted in an episode when answers and
 * sends cross the throttle. Every time is given to the store explicitly (a timeline of the test's own).
 */
const describeRedis = redisTestsEnabled() ? describe : describe.skip;

let redis: RedisServer;
let store: RedisPacingStore;

describeRedis('cluster mode: late refusals and sends that did not know the gate was closed', () => {
  beforeEach(async () => {
    redis = await startRedisServer();
    store = new RedisPacingStore(
      openClusterConnection(redis.url, { timeoutMs: 2_000, onLost: () => undefined }),
      60_000,
    );
  });
  afterEach(async () => {
    await store?.close();
    await redis?.stop();
  });

  const throttle = { lastMaxRatePerSec: 100, restartRatePerSec: 70, probing: false };

  /** A steady episode of `sends` at 100/s from `startMs`, ended by a counted throttle: its end, and what the store kept. */
  async function episode(key: string, startMs: number, sends: number) {
    let nowMs = startMs;
    for (let i = 0; i < sends; i++, nowMs += 10) await store.countSend(key, nowMs, 10);
    const { episodes } = await store.backoff(key, {
      nowMs,
      openAtMs: nowMs + 1_000,
      throttle,
      countEpisode: { backlogged: true },
    });
    return { endMs: nowMs, kept: episodes?.kept ?? [] };
  }

  /** A 429 recorded at `atMs` while the gate is closed (an answer to a request sent before the process knew). */
  const lateRefusal = (key: string, atMs: number) =>
    store.backoff(key, { nowMs: atMs, openAtMs: atMs + 1_000, throttle, countEpisode: { backlogged: true } });

  test('a refusal of a request sent in the episode takes it off; one of a send made after the throttle does not', async () => {
    const key = `late-${Date.now()}`;
    const { endMs } = await episode(key, 3_000_000, 20);
    // A request sent in the episode, still in flight at the throttle, comes back refused.
    await lateRefusal(key, endMs + 2);
    // Two processes still saw the gate open (their shared state is cached): each sends once, is
    // refused, and records a 429 that finds the gate closed. Their sends were never counted.
    for (const lateMs of [5, 12]) {
      await store.countSend(key, endMs + lateMs, 10);
      await lateRefusal(key, endMs + lateMs + 1);
    }
    const { kept } = await episode(key, endMs + 1_100, 30);
    // 20 sent, the throttled one refused and one more: 18 accepted (16 when the uncounted sends'
    // refusals were taken off too: their sends were dropped, their 429s counted).
    expect(kept.map((e) => e.accepted)).toEqual([18, 29]);
  });
});
