import { describe, expect, test } from '@jest/globals';
import { PROBE_DOUBLING_MS } from '../../../lib/pacing/adaptive-math.js';
import { estimateFromProbeEpisode, RateEstimator } from '../../../lib/pacing/rate-estimate.js';

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

/**
 * A probing episode: from `startMs` the rate starts at `fromPerSec` and doubles every
 * `doublingMs`, until the first refusal comes back. Returns the estimate and the throttle time.
 */
function probeEpisode(
  estimator: RateEstimator,
  bucket: Bucket,
  startMs: number,
  fromPerSec: number,
  doublingMs: number,
): { estimate: number | undefined; throttleMs: number } {
  let nowMs = startMs;
  let throttleMs = Number.POSITIVE_INFINITY;
  let lateRefusals = 0;
  while (nowMs < throttleMs) {
    const perSec = fromPerSec * 2 ** ((nowMs - startMs) / doublingMs);
    estimator.sent(nowMs, true, 1000 / perSec, true);
    if (!bucket.take(nowMs)) {
      if (throttleMs === Number.POSITIVE_INFINITY) throttleMs = nowMs + 1;
      else lateRefusals += 1;
    }
    nowMs += 1000 / perSec;
  }
  const estimate = estimator.throttled(throttleMs, 1000);
  for (let i = 0; i < lateRefusals; i++) estimator.rejected();
  return { estimate, throttleMs };
}

describe('RateEstimator', () => {
  test.each([
    [50, 10, 300],
    [50, 10, 500],
    [20, 10, 300],
    [200, 40, 300],
  ])(
    'a burst, then a probe from what was accepted, against a %d/s bucket (burst %d), doubling every %d ms: about the rate',
    (perSec, burst, doublingMs) => {
      const estimator = new RateEstimator();
      const bucket = new Bucket(perSec, burst, 0);
      // The opening burst: sent as fast as calls came (unpaced), 4× the rate.
      const first = episode(estimator, bucket, 0, perSec * 4);
      expect(first.estimate).toBeUndefined();
      // The gate (1 s) rests the bucket; the probe starts from a fifth of the rate.
      const probe = probeEpisode(estimator, bucket, first.throttleMs + 1000, perSec / 5, doublingMs);
      expect(probe.estimate).toBeGreaterThan(0.9 * perSec);
      expect(probe.estimate).toBeLessThan(1.08 * perSec);
    },
  );

  test('a probe against a slow vendor (8/s, burst 5) crosses too few requests to say: no estimate', () => {
    // The pacer then falls back to the multiplicative decrease from the probe's rate, and the
    // steady episodes after it give the slope.
    const estimator = new RateEstimator();
    const bucket = new Bucket(8, 5, 0);
    const first = episode(estimator, bucket, 0, 32);
    expect(probeEpisode(estimator, bucket, first.throttleMs + 1000, 2, 300).estimate).toBeUndefined();
  });

  test('a probe with no steady episode before it learns nothing (the probe sent below the rate for a while)', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    expect(probeEpisode(estimator, bucket, 0, 10, 300).estimate).toBeUndefined();
  });

  test('two answers recorded as throttles in the same turn end one episode, the second amends it', () => {
    const estimator = new RateEstimator();
    const bucket = new Bucket(50, 10, 0);
    for (let i = 0; i < 14; i++) estimator.sent(0, true, 0);
    expect(estimator.throttled(0, undefined)).toBeUndefined();
    expect(estimator.throttled(0, undefined)).toBeUndefined(); // counted as a late refusal
    for (let i = 0; i < 2; i++) estimator.rejected();
    // 14 sent: the throttled one and three refusals leave 10 accepted at length 0, so the probe's
    // slope is measured against the burst itself.
    const probe = probeEpisode(estimator, bucket, 1000, 10, 300);
    expect(probe.estimate).toBeGreaterThan(45);
    expect(probe.estimate).toBeLessThan(54);
  });

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

  test('episodes a few requests apart give no estimate (one request more or less would swing it)', () => {
    const estimator = new RateEstimator();
    // 40/s with a burst of 20, sent at 160/s then 112/s: about 27 and 31 accepted.
    const bucket = new Bucket(40, 20, 0);
    const first = episode(estimator, bucket, 0, 160);
    const second = episode(estimator, bucket, first.throttleMs + 1000, 112);
    expect(second.estimate).toBeUndefined();
    // A third episode at 78/s (about 41 accepted) is far enough from the first to fit.
    const third = episode(estimator, bucket, second.throttleMs + 1000, 78);
    expect(third.estimate).toBeGreaterThan(36);
    expect(third.estimate).toBeLessThan(44);
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
    // After a pause: 30 accepted in about 0.2 s.
    for (let i = 0; i <= 30; i++) estimator.sent(i * 6.5, true, 6.5);
    estimator.throttled(200, 150);
    // After the throttle's gate: 40 accepted in 0.8 s, 1.8 s after the throttle. The slope says
    // 10 more in 0.6 s longer (16.7/s), but 40 in 1.8 s needs at least 22.2/s.
    for (let i = 0; i <= 40; i++) estimator.sent(1200 + i * 19.5, true, 19.5);
    const estimate = estimator.throttled(2000, 70);
    expect(estimate).toBeGreaterThanOrEqual(22.2);
    expect(estimate).toBeLessThan(22.3);
  });
});

describe('estimateFromProbeEpisode (cluster mode, a probe throttled with no fit)', () => {
  /**
   * A probe doubling every 300 ms from `guessPerSec` against a full bucket until its first
   * refusal, as the shared store counts it; `throttledPerSec` is the probe's rate then.
   */
  function probe(perSec: number, burst: number, guessPerSec: number) {
    const bucket = new Bucket(perSec, burst, 0);
    let atMs = 0;
    let accepted = 0;
    for (;;) {
      const ratePerSec = guessPerSec * 2 ** (atMs / PROBE_DOUBLING_MS);
      if (!bucket.take(atMs))
        return { episode: { seconds: atMs / 1000, accepted }, throttledPerSec: ratePerSec };
      accepted++;
      atMs += 1000 / ratePerSec;
    }
  }

  // The guess a probe starts from is what the first, unpaced burst got accepted in its second:
  // about the burst plus a seventh of the rate (the first 429 comes ~140 ms in), so ~0.3 × the rate.
  test.each([
    [50, 10, 14],
    [200, 40, 56],
    [30, 6, 9],
  ])('a probe against %d/s (burst %d) from a guess of %d/s: close below the rate', (perSec, burst, guess) => {
    const { episode } = probe(perSec, burst, guess);
    const estimate = estimateFromProbeEpisode(episode);
    expect(estimate).toBeGreaterThan(0.75 * perSec);
    expect(estimate).toBeLessThan(1.0 * perSec);
  });

  test.each([
    [50, 50, 14],
    [50, 100, 30],
    [10, 20, 3],
  ])(
    'with a burst as large as %d/s × %d: above the rate, but below the plain decrease it replaces',
    (perSec, burst, guess) => {
      const { episode, throttledPerSec } = probe(perSec, burst, guess);
      const estimate = estimateFromProbeEpisode(episode) ?? Infinity;
      expect(estimate).toBeLessThan(0.7 * throttledPerSec);
    },
  );

  test('too few requests, or no length, say nothing', () => {
    expect(estimateFromProbeEpisode({ seconds: 0.5, accepted: 7 })).toBeUndefined();
    expect(estimateFromProbeEpisode({ seconds: 0, accepted: 40 })).toBeUndefined();
    expect(estimateFromProbeEpisode({ seconds: 0.95, accepted: 45 })).toBeCloseTo(47.4, 1);
  });
});
