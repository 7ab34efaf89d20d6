import { describe, expect, test } from '@jest/globals';
import {
  allowedRatePerSec,
  effectiveConcurrency,
  lowerConcurrency,
  raiseConcurrency,
  throttledRatePerSec,
} from '../../../lib/limit/adaptive-math.js';
import { MeasuredRate } from '../../../lib/limit/measured-rate.js';

const constants = { beta: 0.7, recoveryMs: 10_000, minRatePerSec: 0.5 };
const never = { lastMaxRatePerSec: 0, lastThrottleAtMs: 0 };

describe('allowedRatePerSec (cubic recovery)', () => {
  const throttled = { lastMaxRatePerSec: 10, lastThrottleAtMs: 1000 };
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
    expect(allowedRatePerSec({ lastMaxRatePerSec: 0.6, lastThrottleAtMs: 1 }, 1, undefined, constants)).toBe(
      0.5,
    );
    expect(allowedRatePerSec(throttled, 1_000_000, undefined, constants)).toBeUndefined();
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
