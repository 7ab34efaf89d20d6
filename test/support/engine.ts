import { expect } from '@jest/globals';
import { createVendorEngine } from '../../lib/index.js';
import type { Decision, Signal } from '../../lib/index.js';

/** A fixed "now" for every engine test: 2026-04-21T12:00:00Z. */
export const NOW_MS = Date.parse('2026-04-21T12:00:00Z');

const low = createVendorEngine({ clock: { now: () => NOW_MS }, random: () => 0 });
const high = createVendorEngine({ clock: { now: () => NOW_MS }, random: () => 0.999999 });

/** Decides with the smallest and the largest jitter, so tests can assert delay bounds. */
export function decideBoth(signal: Signal): { min: Decision; max: Decision } {
  return { min: low.decide(signal), max: high.decide(signal) };
}

/** What a table row expects of a decision. */
export interface Expected {
  action: Decision['action'];
  code?: string | null;
  category?: string;
  rule?: string;
  /** Inclusive bounds on delayMs over all jitter. */
  delayMs?: [number, number];
  delaySource?: Decision['delaySource'];
  retryAfterMs?: number;
}

/** Asserts a signal's decision against a table row, at both jitter extremes. */
export function expectDecision(signal: Signal, want: Expected): void {
  const { min, max } = decideBoth(signal);
  for (const d of [min, max]) {
    const got: Record<string, unknown> = { action: d.action };
    const exp: Record<string, unknown> = { action: want.action };
    const compare = (key: string, actual: unknown, expected: unknown): void => {
      if (expected === undefined) return;
      got[key] = actual;
      exp[key] = expected;
    };
    compare('code', d.code ?? null, want.code);
    compare('category', d.category, want.category);
    compare('rule', d.rule, want.rule);
    compare('delaySource', d.delaySource, want.delaySource);
    compare('retryAfterMs', d.retryAfterMs, want.retryAfterMs);
    if (want.delayMs !== undefined) {
      const [lo, hi] = want.delayMs;
      compare('delayInBounds', d.delayMs >= lo && d.delayMs <= hi ? true : d.delayMs, true);
    }
    if (d.action === 'ok' || d.action === 'fail') {
      got['zeroDelay'] = d.delayMs === 0 && d.delaySource === 'none';
      exp['zeroDelay'] = true;
    }
    expect(got).toEqual(exp);
  }
}
