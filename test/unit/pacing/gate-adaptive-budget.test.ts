import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { createPacing, type Pacing, type PacingEventMap } from '../../../lib/pacing/index.js';
import { decision, settleWithFakeTimers, timedTask } from './helpers.js';

let pacing: Pacing;
const settle = <T>(promise: Promise<T>): Promise<T> =>
  settleWithFakeTimers((ms) => jest.advanceTimersByTimeAsync(ms), promise);

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(async () => {
  await settle(pacing.close());
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

const rateLimited = decision({
  action: 'backoff',
  category: 'rate_limited',
  code: 'RATE_LIMIT_EXCEEDED',
  delayMs: 2100,
  delaySource: 'header',
  retryAfterMs: 2000,
});

describe('backoff gate', () => {
  test('a backoff decision holds every queued call until the wait is over, then resumes at the pace', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { requestsPerMinute: 600 } });
    const seen: string[] = [];
    pacing.on('gateClosed', ({ openAtMs }) => seen.push(`closed until +${openAtMs - 1_000_000}`));
    pacing.on('gateOpened', () => seen.push(`opened at +${Date.now() - 1_000_000}`));
    const starts: number[] = [];
    const first = pacer.schedule(timedTask(starts, 1, 'first'));
    await jest.advanceTimersByTimeAsync(5);
    await expect(first).resolves.toBe('first');
    await pacer.record(rateLimited); // the answer to `first` was a 429 with Retry-After: 2
    expect(pacer.settings().gateOpenAtMs).toBe(1_000_000 + 5 + 2000);
    const queued = Promise.all(Array.from({ length: 5 }, (_, i) => pacer.schedule(timedTask(starts, 1, i))));
    await jest.advanceTimersByTimeAsync(1990);
    expect(starts).toHaveLength(1); // nothing fired into the wall
    expect(pacer.counts().queued).toBe(5);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(queued).resolves.toEqual([0, 1, 2, 3, 4]);
    const resumed = starts.slice(1);
    expect(resumed[0]! - 1_000_000).toBeGreaterThanOrEqual(2005);
    // No thundering herd: after opening, starts keep the pacer's interval (the rate was also lowered).
    for (let i = 1; i < resumed.length; i++) expect(resumed[i]! - resumed[i - 1]!).toBeGreaterThanOrEqual(99);
    expect(seen).toEqual(['closed until +2005', 'opened at +2005']);
  });

  test('calls queued in the limiter when the gate closes do not fire', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { requestsPerMinute: 60 } }); // one per second
    const starts: number[] = [];
    const calls = Array.from({ length: 3 }, (_, i) => pacer.schedule(timedTask(starts, 1, i)));
    await jest.advanceTimersByTimeAsync(10);
    expect(starts).toHaveLength(1);
    await pacer.record({ ...rateLimited, retryAfterMs: 5000, delayMs: 5500 });
    await jest.advanceTimersByTimeAsync(4900);
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(3000);
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2]);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(5000);
  });

  test('a poll decision (POLL_RATE_LIMITED) and a retry do not close the gate', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v' });
    await pacer.record(decision({ action: 'poll', code: 'POLL_RATE_LIMITED', delayMs: 10_000 }));
    await pacer.record(decision({ action: 'retry', delayMs: 500 }));
    expect(pacer.settings().gateOpenAtMs).toBe(0);
  });
});

describe('adaptive concurrency (AIMD)', () => {
  test('a concurrency-limit answer halves maxConcurrent; successes add it back slowly, never above the ceiling', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'breeze', limits: { maxConcurrent: 6 } });
    const changes: PacingEventMap['concurrencyChanged'][] = [];
    pacing.on('concurrencyChanged', (event) => changes.push(event));
    await pacer.record(
      decision({
        action: 'backoff',
        category: 'concurrency_limited',
        code: 'GENERATION_CONCURRENCY_EXCEEDED',
      }),
    );
    expect(pacer.settings().maxConcurrent).toBe(3);
    const ok = decision({ action: 'ok' });
    let successes = 0;
    while (pacer.settings().maxConcurrent === 3) {
      await pacer.record(ok);
      successes++;
    }
    expect(successes).toBe(3); // +1 slot per `current` successes
    while (pacer.settings().maxConcurrent! < 6) {
      await pacer.record(ok);
      successes++;
    }
    expect(successes).toBe(3 + 4 + 5);
    for (let i = 0; i < 50; i++) await pacer.record(ok);
    expect(pacer.settings().maxConcurrent).toBe(6);
    expect(changes.map((c) => c.maxConcurrent)).toEqual([3, 4, 5, 6]);
  });

  test('a burst of concurrency-limit answers to calls already in flight lowers once per gate window', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'breeze', limits: { maxConcurrent: 8 } });
    const limited = decision({ action: 'backoff', category: 'concurrency_limited', delayMs: 800 });
    for (let i = 0; i < 4; i++) await pacer.record(limited);
    expect(pacer.settings().maxConcurrent).toBe(4);
    await jest.advanceTimersByTimeAsync(1000);
    await pacer.record(limited);
    expect(pacer.settings().maxConcurrent).toBe(2);
  });
});

describe('adaptive rate', () => {
  test('a rate-limit answer with a backlog cuts the rate to 0.7× and it recovers on the cubic curve', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v', limits: { requestsPerMinute: 1200 } }); // 20/s
    const rates: (number | undefined)[] = [];
    pacing.on('rateChanged', ({ requestsPerSecond }) => rates.push(requestsPerSecond));
    const backlog = Array.from({ length: 3 }, () => pacer.schedule(async () => 1));
    await pacer.record(rateLimited);
    expect(pacer.settings().requestsPerSecond).toBeCloseTo(14, 5);
    // Nothing is sent while the gate is closed (2 s), so the recovery starts when it opens.
    await jest.advanceTimersByTimeAsync(1990);
    expect(pacer.settings().requestsPerSecond).toBeCloseTo(14, 5);
    await jest.advanceTimersByTimeAsync(2010);
    expect(pacer.settings().requestsPerSecond).toBeGreaterThan(15);
    await settle(Promise.all(backlog));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(pacer.settings().requestsPerSecond).toBe(20);
    expect(rates[0]).toBeCloseTo(14, 5);
  });
});

describe('retry budget', () => {
  test('each charged retry takes a token; an empty budget turns the retry into a budget_exhausted fail', async () => {
    pacing = createPacing({ retryBudget: { capacity: 3, refillPerSuccess: 0.5 } });
    const pacer = pacing.pacer({ vendor: 'audixa' });
    const exhausted: string[] = [];
    pacing.on('budgetExhausted', ({ vendor }) => exhausted.push(vendor));
    const retry = decision({
      action: 'retry',
      rule: 'audixa#unavailable',
      reason: 'audixa 503: unavailable.',
    });
    for (let i = 0; i < 3; i++) expect(await pacer.record(retry)).toBe(retry);
    const failed = await pacer.record(retry);
    expect(failed).toMatchObject({
      action: 'fail',
      category: 'budget_exhausted',
      rule: 'audixa#retry-budget',
      delayMs: 0,
      delaySource: 'none',
    });
    expect(failed.reason).toMatch(/^The retry budget for audixa is exhausted/);
    expect(failed.reason).toContain('audixa#unavailable');
    expect(exhausted).toEqual(['audixa']);
    await pacer.record(decision({ action: 'ok' }));
    expect(await pacer.record(retry)).toMatchObject({ action: 'fail' }); // 0.5 token is not a retry
    await pacer.record(decision({ action: 'ok' }));
    expect(await pacer.record(retry)).toBe(retry);
  });

  test('with the defaults, ten successes pay one retry back (0.1 ten times is 0.9999999999999999)', async () => {
    pacing = createPacing();
    const pacer = pacing.pacer({ vendor: 'audixa' });
    const retry = decision({ action: 'retry' });
    for (let i = 0; i < 10; i++) expect(await pacer.record(retry)).toBe(retry);
    expect((await pacer.record(retry)).action).toBe('fail');
    for (let i = 0; i < 9; i++) await pacer.record(decision({ action: 'ok' }));
    expect((await pacer.record(retry)).action).toBe('fail');
    await pacer.record(decision({ action: 'ok' }));
    expect(await pacer.record(retry)).toBe(retry);
  });

  test('the budget is per vendor, shared by every credential and transport', async () => {
    pacing = createPacing({ retryBudget: { capacity: 2 } });
    const http = pacing.pacer({ vendor: 'gradium', credential: 'key-a' });
    const ws = pacing.pacer({ vendor: 'gradium', credential: 'key-b' });
    const other = pacing.pacer({ vendor: 'elsa' });
    await http.record(decision({ action: 'retry' }));
    await ws.record(decision({ action: 'reconnect' }));
    expect((await http.record(decision({ action: 'retry' }))).action).toBe('fail');
    expect((await other.record(decision({ action: 'retry' }))).action).toBe('retry');
  });

  test('throttles and server-named waits are paced by the gate, not charged', async () => {
    pacing = createPacing({ retryBudget: { capacity: 1 } });
    const pacer = pacing.pacer({ vendor: 'zenhire' });
    for (let i = 0; i < 5; i++) {
      expect((await pacer.record(rateLimited)).action).toBe('backoff');
      const warming = decision({
        action: 'backoff',
        category: 'warming_up',
        delaySource: 'body',
        delayMs: 30_000,
      });
      expect((await pacer.record(warming)).action).toBe('backoff');
    }
    expect((await pacer.record(decision({ action: 'retry' }))).action).toBe('retry');
    expect((await pacer.record(decision({ action: 'retry' }))).action).toBe('fail');
  });

  test('refundRetry gives back the token of a resend never sent (up to capacity), and nothing for a throttle', async () => {
    pacing = createPacing({ retryBudget: { capacity: 1, refillPerSuccess: 0 } });
    const pacer = pacing.pacer({ vendor: 'audixa' });
    const retry = decision({ action: 'retry' });
    expect(await pacer.record(retry)).toBe(retry);
    expect((await pacer.record(retry)).action).toBe('fail');
    pacer.refundRetry!(retry);
    expect(await pacer.record(retry)).toBe(retry);
    // A throttle took no token, so it gives none back; nor does a refund fill past capacity.
    pacer.refundRetry!(rateLimited);
    expect((await pacer.record(retry)).action).toBe('fail');
    pacer.refundRetry!(retry);
    pacer.refundRetry!(retry);
    expect(await pacer.record(retry)).toBe(retry);
    expect((await pacer.record(retry)).action).toBe('fail');
  });

  test('retryBudget: false never fails a retry', async () => {
    pacing = createPacing({ retryBudget: false });
    const pacer = pacing.pacer({ vendor: 'v' });
    for (let i = 0; i < 50; i++)
      expect((await pacer.record(decision({ action: 'retry' }))).action).toBe('retry');
  });
});
