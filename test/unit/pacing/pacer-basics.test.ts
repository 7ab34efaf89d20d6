import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { decision, settleWithFakeTimers, timedTask } from './helpers.js';

const settle = <T>(promise: Promise<T>): Promise<T> =>
  settleWithFakeTimers((ms) => jest.advanceTimersByTimeAsync(ms), promise);

let pacing: Pacing;

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(async () => {
  await settle(pacing.close());
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

describe('pacing limits from the policy', () => {
  test('requestsPerMinute spaces starts evenly (600/min → one start every 100 ms)', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { requestsPerMinute: 600 } });
    const starts: number[] = [];
    const done = Promise.all(Array.from({ length: 5 }, (_, i) => pacer.schedule(timedTask(starts, 1, i))));
    await jest.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toEqual([0, 1, 2, 3, 4]);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(99);
    expect(starts.at(-1)! - starts[0]!).toBeLessThan(500);
  });

  test('maxConcurrent bounds calls in flight, and counts report queued and running', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 3 } });
    let peak = 0;
    pacing.on('counts', ({ running }) => (peak = Math.max(peak, running)));
    const starts: number[] = [];
    const done = Promise.all(Array.from({ length: 9 }, () => pacer.schedule(timedTask(starts, 100, 'x'))));
    await jest.advanceTimersByTimeAsync(20);
    expect(pacer.counts()).toEqual({ queued: 6, running: 3 });
    await jest.advanceTimersByTimeAsync(400);
    await done;
    expect(peak).toBe(3);
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
  });

  test('user overrides replace the policy limits per vendor', () => {
    pacing = createPacing({ vendors: { audixa: { requestsPerMinute: 240, maxConcurrent: 20 } } });
    const paid = pacing.pacer({ vendor: 'audixa', limits: { requestsPerMinute: 120, maxConcurrent: 5 } });
    expect(paid.settings()).toMatchObject({ maxConcurrent: 20, requestsPerSecond: 4 });
    const other = pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 500, maxConcurrent: 8 } });
    expect(other.settings()).toMatchObject({ maxConcurrent: 8 });
    expect(other.settings().requestsPerSecond).toBeCloseTo(500 / 60);
  });

  test('one pacer per vendor and credential; the key carries a hash, never the credential', () => {
    pacing = createPacing();
    const a = pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_1' });
    expect(pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_1' })).toBe(a);
    const b = pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_2' });
    expect(b).not.toBe(a);
    expect(a.key).toMatch(/^breeze:[0-9a-f]{16}$/);
    expect(a.key).not.toContain('secret');
    // Each vendor's last key is remembered (no hash per call); switching credentials still switches pacers.
    expect(pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_1' })).toBe(a);
    expect(pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_2' })).toBe(b);
    expect(pacing.pacer({ vendor: 'breeze' })).not.toBe(a);
    expect(pacing.pacer({ vendor: 'breeze' }).key).toBe('breeze');
    const other = pacing.pacer({ vendor: 'elsa', credential: 'brz_secret_1' });
    expect(other.key).toMatch(/^elsa:/);
    expect(pacing.pacer({ vendor: 'breeze', credential: 'brz_secret_1' })).toBe(a);
  });

  test('a bad limit is a clear error naming vendor and field, when pacing is created or a pacer asked for', () => {
    expect(() => createPacing({ vendors: { breeze: { maxConcurrent: 0 } } })).toThrow(
      'pacing for breeze: maxConcurrent must be a positive number, got 0',
    );
    pacing = createPacing();
    expect(() => pacing.pacer({ vendor: 'breeze', limits: { requestsPerMinute: -1 } })).toThrow(
      'pacing for breeze: requestsPerMinute must be a positive number, got -1',
    );
  });
});

describe('abort and close', () => {
  test('a call aborted while queued rejects at once, never runs, and leaves the queue', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 1 } });
    const starts: number[] = [];
    const first = pacer.schedule(timedTask(starts, 1000, 'first'));
    const controller = new AbortController();
    const aborted = pacer.schedule(timedTask(starts, 10, 'aborted'), { signal: controller.signal });
    const third = pacer.schedule(timedTask(starts, 10, 'third'));
    await jest.advanceTimersByTimeAsync(20);
    expect(pacer.counts()).toEqual({ queued: 2, running: 1 });
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    expect(pacer.counts()).toEqual({ queued: 1, running: 1 });
    await jest.advanceTimersByTimeAsync(1100);
    await expect(first).resolves.toBe('first');
    await expect(third).resolves.toBe('third');
    expect(starts).toHaveLength(2);
  });

  test('an already aborted signal rejects without queueing', async () => {
    pacing = createPacing();
    const pacer = pacing.pacer({ vendor: 'v' });
    const controller = new AbortController();
    controller.abort();
    await expect(pacer.schedule(async () => 1, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  test('close() rejects queued calls clearly, refuses new ones, and leaves no timer or listener', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { requestsPerMinute: 60 } });
    const listener = pacing.on('counts', () => undefined);
    const starts: number[] = [];
    const first = pacer.schedule(timedTask(starts, 5, 'a'));
    const queued = pacer.schedule(timedTask(starts, 5, 'b'));
    await jest.advanceTimersByTimeAsync(10);
    await expect(first).resolves.toBe('a');
    const closing = settle(pacing.close());
    await expect(queued).rejects.toThrow('pacing for v was closed; the request was not sent');
    await closing;
    await expect(pacer.schedule(async () => 1)).rejects.toThrow('was closed');
    listener.dispose();
    expect(starts).toHaveLength(1);
  });

  test('the task outcome, success or error, is passed through unchanged', async () => {
    pacing = createPacing();
    const pacer = pacing.pacer({ vendor: 'v' });
    const boom = new Error('boom');
    await expect(settle(pacer.schedule(async () => 'fine'))).resolves.toBe('fine');
    await expect(
      settle(
        pacer.schedule(async () => {
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    await expect(pacer.schedule(async () => 1, { weight: 0 })).rejects.toThrow('weight must be an integer');
  });
});

describe('startNow: a call that need not wait starts without the queue', () => {
  test('it starts at once and counts as running until ended (once, however often it is ended)', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 2 } });
    const started = pacer.startNow!();
    expect(started).toEqual({ sent: expect.any(Function), end: expect.any(Function) });
    expect(pacer.counts()).toEqual({ queued: 0, running: 1 });
    started!.sent();
    started!.end();
    started!.end();
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
  });

  test('it declines (nothing taken) when the call would wait: no free slot, calls queued, a closed gate, a rate', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 1 } });
    const started = pacer.startNow!();
    expect(pacer.startNow!()).toBeUndefined();
    const starts: number[] = [];
    const queued = pacer.schedule(timedTask(starts, 10, 'queued'));
    expect(pacer.counts()).toEqual({ queued: 1, running: 1 });
    started!.end();
    // The freed slot goes to the call that waited, not to a newcomer.
    expect(pacer.startNow!()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(20);
    await expect(queued).resolves.toBe('queued');
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });

    await pacer.record(decision({ action: 'backoff', delayMs: 1000, retryAfterMs: 1000 }));
    expect(pacer.startNow!()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1100);
    const afterGate = pacer.startNow!();
    expect(afterGate).toBeDefined();
    afterGate!.end();

    const rated = pacing.pacer({ vendor: 'r', limits: { requestsPerMinute: 600 } });
    expect(rated.startNow!()).toBeUndefined();
    expect(rated.counts()).toEqual({ queued: 0, running: 0 });
  });

  test('a closed pacer declines, so the caller schedules (and is refused or sent on)', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v' });
    await settle(pacing.close());
    expect(pacer.startNow!()).toBeUndefined();
  });
});

describe('calls that could never run are refused, not left pending (issue 13 item 2)', () => {
  test('a weight above the vendor maxConcurrent rejects at once with a RangeError', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 3 } });
    await expect(pacer.schedule(async () => 'x', { weight: 5 })).rejects.toThrow(
      /weight 5 exceeds v's maxConcurrent of 3, so the call could never run/,
    );
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
  });

  test('maxConcurrent 0.5 (or any fraction) is refused when pacing is created', () => {
    pacing = createPacing({ retryBudget: false });
    expect(() => createPacing({ vendors: { x: { maxConcurrent: 0.5 } } })).toThrow(
      /pacing for x: maxConcurrent must be a whole number ≥ 1, got 0.5/,
    );
    expect(() => pacing.pacer({ vendor: 'y', limits: { maxConcurrent: 2.5 } })).toThrow(RangeError);
  });

  test('a heavy call still runs after concurrency was halved below its weight', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 4 } });
    const limited = decision({ action: 'backoff', category: 'concurrency_limited', delayMs: 1 });
    await pacer.record(limited);
    await pacer.record(limited);
    expect(pacer.settings().maxConcurrent).toBeLessThan(3);
    const done = pacer.schedule(async () => 'ran', { weight: 3 });
    await expect(settle(done)).resolves.toBe('ran');
  });

  test('a heavy call queued before concurrency fell below its weight holds up nothing behind it', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { maxConcurrent: 4 } });
    const finishers: (() => void)[] = [];
    const held = () =>
      pacer.schedule(() => new Promise<string>((resolve) => finishers.push(() => resolve('held'))), {
        weight: 2,
      });
    const running = [held(), held()];
    await jest.advanceTimersByTimeAsync(0);
    expect(pacer.counts()).toEqual({ queued: 0, running: 4 });
    const order: string[] = [];
    // Its slot is asked at weight 3 while 4 is allowed; it waits for the two running calls.
    const heavy = pacer.schedule(async () => order.push('heavy'), { weight: 3 });
    await jest.advanceTimersByTimeAsync(0);
    const limited = decision({ action: 'backoff', category: 'concurrency_limited', delayMs: 1 });
    await pacer.record(limited);
    await jest.advanceTimersByTimeAsync(2); // past the 1 ms gate: the second 429 is a new episode
    await pacer.record(limited);
    expect(pacer.settings().maxConcurrent).toBe(1);
    const light = pacer.schedule(async () => order.push('light'));
    for (const finish of finishers) finish();
    await expect(settle(Promise.all([...running, heavy, light]))).resolves.toHaveLength(4);
    expect(order).toEqual(['heavy', 'light']);
  });
});
