import { afterEach, describe, expect, test } from '@jest/globals';
import { createPacing, type Pacing, type PacingOptions } from '../../../lib/pacing/index.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './redis-server.js';

// Adversarial cases of cluster pacing (Redis): each failed on the code before its fix.

const describeRedis = redisTestsEnabled() ? describe : describe.skip;

let redis: RedisServer | undefined;
let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  await redis?.stop(true);
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
});
