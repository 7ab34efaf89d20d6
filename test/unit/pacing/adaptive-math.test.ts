import { describe, expect, test } from '@jest/globals';
import {
  PROBE_DOUBLING_MS,
  allowedRatePerSec,
  effectiveConcurrency,
  lowerConcurrency,
  raiseConcurrency,
  rememberThrottle,
  throttledRatePerSec,
} from '../../../lib/pacing/adaptive-math.js';
import { MeasuredRate } from '../../../lib/pacing/measured-rate.js';

const constants = { beta: 0.7, recoveryMs: 10_000, minRatePerSec: 0.5 };
const never = { lastMaxRatePerSec: 0, lastThrottleAtMs: 0, restartRatePerSec: 0 };

describe('allowedRatePerSec (cubic recovery)', () => {
  const throttled = { lastMaxRatePerSec: 10, lastThrottleAtMs: 1000, restartRatePerSec: 0 };
  test('before any throttle it is the configured ceiling (or unlimited)', () => {
    expect(allowedRatePerSec(never, 5000, 20, constants)).toBe(20);
    expect(allowedRatePerSec(never, 5000, undefined, constants)).toBeUndefined();
  });
  test('drops to beta × the throttled rate, is back at it after the window, rises slowly near it', () => {
    expect(allowedRatePerSec(throttled, 1000, 20, constants)).toBeCloseTo(7, 9);
    expect(allowedRatePerSec(throttled, 11_000, 20, constants)).toBeCloseTo(10, 9);
    const at = (ms: number): number => allowedRatePerSec(throttled, ms, 20, constants)!;
    expect(at(3000) - at(1000)).toBeGreaterThan(at(11_000) - at(9000)); // concave before the old maximum
    expect(at(13_000)).toBeLessThan(10.1); // plateau: lingers near the old maximum
    expect(at(60_000)).toBe(20); // capped by the ceiling
  });
  test('never below the minimum; an unconfigured vendor becomes unlimited again far above the old maximum', () => {
    expect(
      allowedRatePerSec(
        { lastMaxRatePerSec: 0.6, lastThrottleAtMs: 1, restartRatePerSec: 0 },
        1,
        undefined,
        constants,
      ),
    ).toBe(0.5);
    expect(allowedRatePerSec(throttled, 1_000_000, undefined, constants)).toBeUndefined();
  });
});

describe('allowedRatePerSec after an estimated restart', () => {
  // Restart at 9.5 (0.95 × 10): the same curve shape, so it is back at 10 after
  // 10 s × cbrt(0.05 / 0.3) ≈ 5.5 s, and probes above it from there.
  const estimated = { lastMaxRatePerSec: 10, lastThrottleAtMs: 1000, restartRatePerSec: 9.5 };
  const at = (ms: number): number => allowedRatePerSec(estimated, ms, 20, constants)!;
  test('starts at the restart rate, is back at the maximum after K, then probes slowly above it', () => {
    expect(at(0)).toBeCloseTo(9.5, 9); // before the recovery starts (a closed gate) it does not climb
    expect(at(1000)).toBeCloseTo(9.5, 9);
    const kMs = 10_000 * Math.cbrt(0.05 / 0.3);
    expect(at(1000 + kMs)).toBeCloseTo(10, 9);
    expect(at(1000 + kMs / 2)).toBeLessThan(10);
    expect(at(1000 + kMs / 2)).toBeGreaterThan(9.9); // concave: most of the way back early
    expect(at(1000 + kMs + 3000)).toBeLessThan(10.1);
    expect(at(60_000)).toBe(20);
  });
  test('a restart of 0 is beta × the maximum, and a restart above it is the maximum', () => {
    const plain = { lastMaxRatePerSec: 10, lastThrottleAtMs: 1000, restartRatePerSec: 0 };
    expect(allowedRatePerSec(plain, 1000, 20, constants)).toBeCloseTo(7, 9);
    const above = { ...plain, restartRatePerSec: 12 };
    expect(allowedRatePerSec(above, 1000, 20, constants)).toBeCloseTo(10, 9);
  });
});

describe('allowedRatePerSec while probing (a throttle that came with nothing pacing the sends)', () => {
  const probing = { lastMaxRatePerSec: 10, lastThrottleAtMs: 1000, restartRatePerSec: 10, probing: true };
  test('starts at the guess and doubles every PROBE_DOUBLING_MS until the next throttle', () => {
    expect(allowedRatePerSec(probing, 500, undefined, constants)).toBeCloseTo(10, 9); // gate still closed
    expect(allowedRatePerSec(probing, 1000, undefined, constants)).toBeCloseTo(10, 9);
    expect(allowedRatePerSec(probing, 1000 + PROBE_DOUBLING_MS, undefined, constants)).toBeCloseTo(20, 9);
    expect(allowedRatePerSec(probing, 1000 + 3 * PROBE_DOUBLING_MS, undefined, constants)).toBeCloseTo(80, 9);
  });
  test('a probe that reaches 1024× its guess unthrottled stops pacing; a ceiling caps it instead', () => {
    expect(allowedRatePerSec(probing, 1000 + 9.9 * PROBE_DOUBLING_MS, undefined, constants)).toBeDefined();
    expect(allowedRatePerSec(probing, 1000 + 10 * PROBE_DOUBLING_MS, undefined, constants)).toBeUndefined();
    expect(allowedRatePerSec(probing, 1000 + 10 * PROBE_DOUBLING_MS, 50, constants)).toBe(50);
  });
  test('never below the minimum rate', () => {
    const tiny = { ...probing, lastMaxRatePerSec: 0.1, restartRatePerSec: 0.1 };
    expect(allowedRatePerSec(tiny, 1000, undefined, constants)).toBeCloseTo(0.5, 9);
  });
});

describe('rememberThrottle', () => {
  test('unpaced (no rate configured or learned): the guess is the restart, and the recovery probes', () => {
    expect(rememberThrottle(13, undefined, 0.7, true)).toEqual({
      lastMaxRatePerSec: 13,
      restartRatePerSec: 13,
      probing: true,
    });
    // An estimate, when there is one, wins over probing.
    expect(rememberThrottle(13, 12, 0.7, true).probing).toBe(false);
  });
  test('without an estimate: back to the throttled rate from beta × it (AWS)', () => {
    expect(rememberThrottle(20, undefined, 0.7)).toEqual({
      lastMaxRatePerSec: 20,
      restartRatePerSec: 14,
      probing: false,
    });
  });
  test('with an estimate at most the throttled rate: back to the estimate from just below it', () => {
    const rates = rememberThrottle(20, 12, 0.7);
    expect(rates.lastMaxRatePerSec).toBe(12);
    expect(rates.restartRatePerSec).toBeCloseTo(11.4, 9);
    expect(rememberThrottle(20, 20, 0.7).lastMaxRatePerSec).toBe(20);
  });
  test('an estimate above the throttled rate is not used', () => {
    expect(rememberThrottle(20, 25, 0.7)).toEqual({
      lastMaxRatePerSec: 20,
      restartRatePerSec: 14,
      probing: false,
    });
  });
});

describe('throttledRatePerSec', () => {
  test('the lower of allowed and measured, at least the floor', () => {
    expect(throttledRatePerSec(20, 12, 0.5)).toBe(12);
    expect(throttledRatePerSec(20, 0, 0.5)).toBe(20);
    expect(throttledRatePerSec(undefined, 0, 0.5)).toBe(0.5);
    expect(throttledRatePerSec(0.1, 0, 0.5)).toBe(0.5);
  });
});

describe('AIMD concurrency', () => {
  test('halves from the current limit, the ceiling, or what was in flight', () => {
    expect(lowerConcurrency(undefined, 8, 2, 0.5)).toBe(4);
    expect(lowerConcurrency(3, 8, 2, 0.5)).toBe(1);
    expect(lowerConcurrency(undefined, undefined, 6, 0.5)).toBe(3);
    expect(lowerConcurrency(1, 8, 0, 0.5)).toBe(1);
  });
  test('adds one slot per current-limit successes and returns to the ceiling', () => {
    expect(raiseConcurrency(undefined, 8)).toBeUndefined();
    expect(raiseConcurrency(4, 8)).toBeCloseTo(4.25, 9);
    expect(raiseConcurrency(7.9, 8)).toBeUndefined();
    expect(raiseConcurrency(7.9, undefined)).toBeCloseTo(7.9 + 1 / 7, 9);
    expect(effectiveConcurrency(4.9, 8)).toBe(4);
    expect(effectiveConcurrency(undefined, 8)).toBe(8);
  });
});

describe('MeasuredRate', () => {
  test('measures requests per second over half-second buckets', () => {
    const rate = new MeasuredRate();
    expect(rate.perSec()).toBe(0);
    for (let ms = 0; ms < 5000; ms += 100) rate.record(ms); // 10 per second
    expect(rate.perSec()).toBeGreaterThan(9);
    expect(rate.perSec()).toBeLessThanOrEqual(10.5);
  });
});
