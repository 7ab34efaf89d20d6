import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { PROBE_DOUBLING_MS } from '../../../lib/pacing/adaptive-math.js';
import { openClusterConnection } from '../../../lib/pacing/redis-connection.js';
import { RedisPacingStore } from '../../../lib/pacing/redis-store.js';
import { crossingEpisode, estimateFromSharedEpisodes } from '../../../lib/pacing/rate-estimate.js';
import { TokenBucket } from '../../../lib/testing/token-bucket.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

/**
 * Cluster mode: what the Redis store counts of each episode (sends, refusals, a probe's sends) and
 * the estimates it gives. Every time is given to the store explicitly, so the vendor's token bucket
 * and the sends follow a timeline of the test's own, not the machine's.
 */
const describeRedis = redisTestsEnabled() ? describe : describe.skip;

let redis: RedisServer;
let store: RedisPacingStore;

describeRedis('cluster mode: what the Redis store counts of each episode', () => {
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

  describe('the probe after the first burst, as the store counts it', () => {
    /**
     * The no-rate storm against a `perSec` bucket of `burst`: 200 sends at once (over 60 ms, as four
     * processes get them out), the 429 that closes the gate for a second, then the probe from what
     * the burst got accepted, doubling every PROBE_DOUBLING_MS until its first 429. Returns what the
     * store handed back at that second throttle.
     */
    async function stormUntilProbeThrottled(perSec: number, burst: number) {
      const key = `crossing-${perSec}-${burst}-${Date.now()}`;
      let nowMs = 1_000_000;
      const bucket = new TokenBucket(perSec, burst, { now: () => nowMs });
      let accepted = 0;
      for (let i = 0; i < 200; i++, nowMs += 0.3) {
        await store.countSend(key, nowMs, 0);
        if (!bucket.tryTake()) break;
        accepted++;
      }
      nowMs += 1; // the 429 comes back
      const guessPerSec = accepted; // what the vendor accepted in the burst's second (the pacer's first guess)
      const gateOpensAtMs = nowMs + 1_000;
      const first = await store.backoff(key, {
        nowMs,
        openAtMs: gateOpensAtMs,
        throttle: { lastMaxRatePerSec: guessPerSec, restartRatePerSec: guessPerSec, probing: true },
        countEpisode: { backlogged: true },
      });
      expect(first.episodes?.kept).toHaveLength(1); // the burst: a steady episode to pair with
      nowMs = gateOpensAtMs;
      for (;;) {
        const ratePerSec = guessPerSec * 2 ** ((nowMs - gateOpensAtMs) / PROBE_DOUBLING_MS);
        await store.countSend(key, nowMs, 1000 / ratePerSec);
        if (!bucket.tryTake()) break;
        nowMs += 1000 / ratePerSec;
      }
      nowMs += 1;
      const second = await store.backoff(key, {
        nowMs,
        openAtMs: nowMs + 1_000,
        throttle: { lastMaxRatePerSec: 1000, restartRatePerSec: 700, probing: false },
        countEpisode: { backlogged: true },
      });
      return { nowMs, episodes: second.episodes, guessPerSec };
    }

    test.each([
      [50, 10],
      [50, 20],
      [40, 10],
      [100, 20],
      [30, 6],
      [200, 40],
      [50, 50],
    ])(
      'against %d/s (burst %d): the probe sends come back in order, and their crossing fits close to the rate',
      async (perSec, burst) => {
        const { nowMs, episodes } = await stormUntilProbeThrottled(perSec, burst);
        if (!episodes?.ended) throw new Error('the probe episode was not counted');
        const { kept, ended, probeSends } = episodes;
        // Every send of the probe, each with the sends of the episode before it.
        expect(probeSends.map((s) => s.sentBefore)).toEqual(probeSends.map((_, i) => i));
        expect(probeSends).toHaveLength(ended.accepted + 1);
        const steady = kept.at(-1);
        if (!steady) throw new Error('no steady episode');
        const crossing = crossingEpisode(steady, probeSends, ended.accepted, nowMs);
        if (!crossing) throw new Error('no crossing');
        const estimate = estimateFromSharedEpisodes([...kept, crossing], 1000);
        // 0.92–1.01 × the rate over these cases, where the probe's accepted per second alone
        // (estimateFromProbeEpisode, before) gave 0.85–0.98 × with small bursts and 1.3–2.4 × with a
        // burst of 0.4–1 s worth (64.8/s and 122/s for a 50/s vendor).
        expect(estimate).toBeGreaterThan(0.9 * perSec);
        expect(estimate).toBeLessThan(1.02 * perSec);
      },
    );

    test('no probe, no sends kept: a steady episode returns none, and a rested restart clears them', async () => {
      const key = `no-probe-${Date.now()}`;
      let nowMs = 2_000_000;
      for (let i = 0; i < 20; i++, nowMs += 20) await store.countSend(key, nowMs, 20);
      const steady = await store.backoff(key, {
        nowMs,
        openAtMs: nowMs + 500,
        throttle: { lastMaxRatePerSec: 50, restartRatePerSec: 50, probing: true },
        countEpisode: { backlogged: true },
      });
      expect(steady.episodes?.probeSends).toEqual([]);
      // A probe's sends, then two seconds of nothing (the bucket rested): a new episode, sends cleared.
      nowMs += 500;
      for (let i = 0; i < 5; i++, nowMs += 20) await store.countSend(key, nowMs, 20);
      nowMs += 2_000;
      for (let i = 0; i < 3; i++, nowMs += 20) await store.countSend(key, nowMs, 20);
      const probe = await store.backoff(key, {
        nowMs,
        openAtMs: nowMs + 500,
        throttle: { lastMaxRatePerSec: 50, restartRatePerSec: 35, probing: false },
        countEpisode: { backlogged: true },
      });
      expect(probe.episodes?.probeSends.map((s) => s.sentBefore)).toEqual([0, 1, 2]);
    });
  });

  describe('late refusals, and sends that did not know the gate was closed', () => {
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
      store.backoff(key, {
        nowMs: atMs,
        openAtMs: atMs + 1_000,
        throttle,
        countEpisode: { backlogged: true },
      });

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
});
