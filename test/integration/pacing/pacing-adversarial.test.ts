import { afterEach, describe, expect, test } from '@jest/globals';
import { fork } from 'node:child_process';
import { compileForChild } from '../../support/compile-for-child.js';
import type { CloseWorkerStart } from './close-worker.js';
import { Redis } from 'ioredis';
import {
  createPacing,
  type Pacing,
  type PacingOptions,
  type VendorPacer,
} from '../../../lib/pacing/index.js';
import { createManualClock, type ManualClock } from '../../../lib/testing/index.js';
import { decision } from '../../unit/pacing/helpers.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

// Adversarial cases of cluster pacing (Redis): each failed on the code before its fix.

const describeRedis = redisTestsEnabled() ? describe : describe.skip;

let redis: RedisServer | undefined;
let pacing: Pacing | undefined;
let clock: ManualClock | undefined;
afterEach(async () => {
  await pacing?.close();
  await redis?.stop(true);
  clock?.dispose();
  clock = undefined;
  pacing = undefined;
  redis = undefined;
});

/** Lets pending callbacks of the event loop run (a few turns, no timers). */
async function turns(count = 10): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** How `promise` has settled so far: `pending`, `resolved: <value>` or `rejected: <message>`. */
function track(promise: Promise<unknown>): () => string {
  let state = 'pending';
  promise.then(
    (value) => (state = `resolved: ${String(value)}`),
    (error: Error) => (state = `rejected: ${error.message}`),
  );
  return () => state;
}

function cluster(server: RedisServer, extra: PacingOptions = {}): Pacing {
  pacing = createPacing({
    redis: server.url,
    keyPrefix: `adversarial-${Date.now()}`,
    redisTimeoutMs: 1000,
    keepProcessAlive: false,
    ...extra,
  });
  return pacing;
}

describeRedis('cluster pacing, adversarial', () => {
  // schedule() awaits the connection's readiness before queueing the call. An abort in that
  // microtask found the call not yet queued, and the queue then added it with a signal that had
  // already fired: its abort listener never ran, and the task ran for a caller that had gone.
  test('a call aborted right after schedule() rejects with the reason and its task never runs', async () => {
    redis = await startRedisServer();
    const pacer = cluster(redis).pacer({ vendor: 'zenhire', limits: { maxConcurrent: 2 } });
    await pacer.schedule(async () => 'connected');
    let ran = false;
    const controller = new AbortController();
    const call = pacer.schedule(
      async () => {
        ran = true;
        return 'sent';
      },
      { signal: controller.signal },
    );
    const state = track(call);
    controller.abort(new Error('the caller has gone'));
    // A slot is a few Redis round trips away: enough turns for the task to have started.
    for (let i = 0; i < 50 && state() === 'pending'; i++) await turns();
    expect(state()).toBe('rejected: the caller has gone');
    await pacing?.close();
    expect(ran).toBe(false);
  });

  // The same window: close() found nothing queued, then the call was queued on the closed pacer,
  // which asks for no slot any more. The call stayed pending for ever.
  test('close() right after schedule() rejects the call instead of leaving it pending', async () => {
    redis = await startRedisServer();
    const p = cluster(redis);
    const pacer = p.pacer({ vendor: 'zenhire', limits: { maxConcurrent: 2 } });
    await pacer.schedule(async () => 'connected');
    const state = track(pacer.schedule(async () => 'sent'));
    await p.close();
    await turns();
    expect(state()).toMatch(/^rejected: pacing for zenhire was closed/);
  });

  // A dropped pacer's bottleneck limiter was stopped but never let go of the shared connection:
  // its two pub/sub channels stayed subscribed, and the instance (with its heartbeat, a Redis
  // script every 5 s) stayed in the connection's table until the pacing closed. Memory and Redis
  // work followed every key ever used, not the keys in use.
  test('a pacer dropped as idle lets go of its Redis subscriptions', async () => {
    redis = await startRedisServer();
    // The manual clock only runs the idle sweep here (one process: no clock to agree with).
    clock = createManualClock(Date.now());
    const prefix = `adversarial-idle-${Date.now()}`;
    const p = cluster(redis, { clock, idleExpiryMs: 60_000, keyPrefix: prefix });
    const ask = (credential: string): VendorPacer =>
      p.pacer({ vendor: 'zenhire', credential, limits: { maxConcurrent: 2 } });
    const first = ask('key-a');
    for (const credential of ['key-a', 'key-b', 'key-c']) await ask(credential).schedule(async () => 'sent');
    const admin = new Redis(redis.url);
    try {
      expect(await admin.pubsub('CHANNELS', `b_${prefix}*`)).toHaveLength(6);
      await clock.advanceAsync(61_000);
      let channels: unknown[] = [];
      for (let i = 0; i < 50; i++) {
        channels = (await admin.pubsub('CHANNELS', `b_${prefix}*`)) as unknown[];
        if (channels.length === 0) break;
        await turns();
      }
      expect(channels).toEqual([]);
      expect(ask('key-a')).not.toBe(first); // it was dropped indeed
    } finally {
      admin.disconnect();
    }
  });

  // bottleneck sets each limiter up in Redis in a promise that only its jobs await. A pacer asked
  // for and the pacing closed before that set-up ended (no call scheduled on it yet): the closing
  // connection rejected the set-up with nobody listening, an unhandled rejection, which ends a
  // Node process by default.
  test('closing the pacing while a pacer is still being set up in Redis rejects nothing unhandled', async () => {
    redis = await startRedisServer();
    const p = cluster(redis);
    await p.pacer({ vendor: 'zenhire', limits: { maxConcurrent: 1 } }).schedule(async () => 'connected');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      p.pacer({ vendor: 'zenhire', credential: 'another key', limits: { maxConcurrent: 1 } });
      await p.close();
      // The set-up's next script is sent on the closed connection within a few turns.
      for (let i = 0; i < 20; i++) await turns();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
  });

  // Any failed command marked cluster pacing lost until the connection closed and came back. An
  // error reply (here a pacing key of the wrong type) comes over a connection that stays up: the
  // loss was never cleared, and every later call was refused, also once the key was fixed.
  test('an error reply from Redis fails the calls of the moment, not every later one', async () => {
    redis = await startRedisServer();
    const prefix = `adversarial-reply-${Date.now()}`;
    const p = cluster(redis, { keyPrefix: prefix, sharedStateCacheMs: 0 });
    const pacer = p.pacer({ vendor: 'zenhire', limits: { maxConcurrent: 2 } });
    await pacer.schedule(async () => 'connected');
    const admin = new Redis(redis.url);
    try {
      await admin.set(`${prefix}:state:zenhire`, 'not a hash');
      await expect(pacer.schedule(async () => 'sent')).rejects.toThrow(/pacing is unavailable.*WRONGTYPE/);
      await admin.del(`${prefix}:state:zenhire`);
    } finally {
      admin.disconnect();
    }
    await expect(pacer.schedule(async () => 'sent')).resolves.toBe('sent');
  });

  // The same latch after a slow Redis: one command of pacing's own past redisTimeoutMs (Redis
  // paused for 300 ms here, a retry recorded meanwhile) marked the pacing lost, and with the
  // connection never closed nothing cleared it. Every call was refused from then on, though Redis
  // answered again at once.
  test('a Redis slow for a moment serves calls again once it answers', async () => {
    redis = await startRedisServer();
    const p = cluster(redis, { redisTimeoutMs: 100, sharedStateCacheMs: 0 });
    const pacer = p.pacer({ vendor: 'zenhire', limits: { maxConcurrent: 2 } });
    await pacer.schedule(async () => 'connected');
    const admin = new Redis(redis.url);
    try {
      await admin.client('PAUSE', 300, 'ALL');
      // A retry recorded meanwhile: its retry-budget script does not answer in time.
      const retry = decision({ action: 'retry' });
      await expect(pacer.record(retry)).resolves.toBe(retry);
      await admin.ping(); // answered once the pause is over
    } finally {
      admin.disconnect();
    }
    let result = 'pending';
    // Bounded: a few times redisTimeoutMs, not until a reconnection that never comes.
    for (let i = 0; i < 10 && result !== 'sent'; i++) {
      result = await pacer.schedule(async () => 'sent').catch((error: Error) => error.message);
      if (result !== 'sent') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(result).toBe('sent');
  });
});

describeRedis('cluster pacing: close() while Redis is down', () => {
  // ioredis (5.x) leaves a client that waits to reconnect half-closed by disconnect(): no stream
  // event comes to end it, so the commands in its offline queue (bottleneck's unsubscribe, sent
  // as the pacers close) kept their commandTimeout timers (redisTimeoutMs), and the disconnect a
  // 2 s timer of its own: after close() the process stayed alive that long.
  test('leaves nothing that holds the process: it exits at once after close()', async () => {
    redis = await startRedisServer();
    const tree = compileForChild('test/integration/pacing/close-worker.ts');
    try {
      const child = fork(tree.entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const exited = new Promise<number>((resolve) =>
        child.once('exit', () => (clearTimeout(killTimer), resolve(Date.now()))),
      );
      const said = (word: string) =>
        new Promise<number>((resolve) =>
          child.on('message', (message) => message === word && resolve(Date.now())),
        );
      const used = said('used');
      const closed = said('closed');
      // Timers that outlive close() would run 20 s: far beyond the bound below, whatever the load.
      const start: CloseWorkerStart = { redisUrl: redis.url, redisTimeoutMs: 20_000 };
      child.send(start);
      await used;
      await redis.stop(true);
      // ioredis sees the connection close and waits to reconnect (50 ms, then longer).
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.send('close');
      const closedAt = await closed;
      const exitedAt = await exited;
      expect(exitedAt - closedAt).toBeLessThan(1500);
    } finally {
      tree.remove();
    }
  }, 40_000);
});
