import { describe, expect, test } from '@jest/globals';
import { RateEstimator } from '../../../lib/limit/rate-estimate.js';

/** A vendor's token bucket, as the simulator keeps it. */
class Bucket {
  private tokens: number;
  private atMs: number;
  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    startMs: number,
  ) {
    this.tokens = burst;
    this.atMs = startMs;
  }
  take(nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) / 1000) * this.perSec);
    this.atMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One episode: sends at `perSec` from `startMs`; answers take `latencyMs`, so the pacer keeps
 * sending until the first refusal comes back (the throttle), and the refusals among the requests
 * still in flight then arrive while the gate is closed. Returns the estimate and the throttle time.
 */
function episode(
  estimator: RateEstimator,
  bucket: Bucket,
  startMs: number,
  perSec: number,
  latencyMs = 1,
): { estimate: number | undefined; throttleMs: number } {
  const spacingMs = 1000 / perSec;
  let throttleMs = Number.POSITIVE_INFINITY;
  let lateRefusals = 0;
  for (let nowMs = startMs; nowMs < throttleMs; nowMs += spacingMs) {
    estimator.sent(nowMs, true, spacingMs);
    if (bucket.take(nowMs)) continue;
    if (throttleMs === Number.POSITIVE_INFINITY) throttleMs = nowMs + latencyMs;
    else lateRefusals += 1;
  }
  const estimate = estimator.throttled(throttleMs, perSec);
  for (let i = 0; i < lateRefusals; i++) estimator.rejected();
  return { estimate, throttleMs };
}

describe('RateEstimator', () => {
  test('two throttles at different rates against a 50/s bucket (burst 10) give about 50/s', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    const first = episode(estimator, bucket, 0, 100);
    expect(first.estimate).toBeUndefined(); // one episode says nothing about the rate
    const second = episode(estimator, bucket, first.throttleMs + 1000, 70);
    expect(second.estimate).toBeGreaterThan(47);
    expect(second.estimate).toBeLessThan(53);
  });

  test('a slow vendor (500/min, burst 5) configured at twice that', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(500 / 60, 5, 0);
    const first = episode(estimator, bucket, 0, 1000 / 60);
    const second = episode(estimator, bucket, first.throttleMs + 1000, 700 / 60);
    expect(second.estimate! * 60).toBeGreaterThan(470);
    expect(second.estimate! * 60).toBeLessThan(530);
  });

  test('requests in flight when the gate closed are not counted as accepted', () => {
    const withLate = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    const first = episode(withLate, bucket, 0, 100, 60);
    const second = episode(withLate, bucket, first.throttleMs + 1000, 70, 60);
    expect(second.estimate).toBeGreaterThan(46);
    expect(second.estimate).toBeLessThan(54);
  });

  test('episodes of about the same length give no estimate', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    const first = episode(estimator, bucket, 0, 100);
    const second = episode(estimator, bucket, first.throttleMs + 1000, 95);
    expect(second.estimate).toBeUndefined();
  });

  test('without a backlog nothing is learnt (the bucket refilled while the pacer idled)', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    for (let ms = 0; ms < 100; ms += 10) estimator.sent(ms, ms < 50, 10);
    expect(estimator.throttled(100, 100)).toBeUndefined();
    const second = episode(estimator, bucket, 1100, 70);
    expect(second.estimate).toBeUndefined();
  });

  test('a throttle well below the estimate drops it; one just below it gives the allowed rate', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    const first = episode(estimator, bucket, 0, 100);
    const second = episode(estimator, bucket, first.throttleMs + 1000, 70);
    const estimate = second.estimate!;
    // Episodes without a backlog teach nothing new, so these test the rule alone. A throttle at
    // 0.97 × the estimate: about what the vendor allows.
    let nowMs = second.throttleMs + 1000;
    for (let i = 0; i < 20; i++, nowMs += 20) estimator.sent(nowMs, false, 20);
    expect(estimator.throttled(nowMs, 0.97 * estimate)).toBeCloseTo(0.97 * estimate, 9);
    // One at half of it: the vendor's limit dropped, or the estimate was wrong. It is forgotten.
    nowMs += 1000;
    for (let i = 0; i < 20; i++, nowMs += 40) estimator.sent(nowMs, false, 40);
    expect(estimator.throttled(nowMs, 0.5 * estimate)).toBeUndefined();
    nowMs += 1000;
    estimator.sent(nowMs, false, 40);
    expect(estimator.throttled(nowMs + 100, 2 * estimate)).toBeUndefined();
  });

  test('a fit below what the vendor certainly accepted is raised to that', () => {
    const estimator = new RateEstimator();
    // After a pause: 20 accepted in about 0.2 s.
    for (let i = 0; i <= 20; i++) estimator.sent(i * 10, true, 10);
    estimator.throttled(205, 100);
    // After the throttle's gate: 21 accepted in 0.4 s, 1.4 s after the throttle. The slope says
    // 1 more in 0.2 s longer (5/s), but 21 in 1.4 s needs at least 15/s.
    for (let i = 0; i <= 21; i++) estimator.sent(1205 + i * 19, true, 19);
    const estimate = estimator.throttled(1605, 70);
    expect(estimate).toBeGreaterThanOrEqual(15);
    expect(estimate).toBeLessThan(16);
  });
});
