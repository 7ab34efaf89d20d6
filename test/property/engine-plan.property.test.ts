import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildReaders, hasRequiredTokens } from '../../lib/engine/envelope-reader.js';
import { readFacts } from '../../lib/engine/facts.js';
import { largestHeaderNumber } from '../../lib/engine/headers.js';
import { findRule, ruleMatches } from '../../lib/engine/match.js';
import { planFor } from '../../lib/engine/plan.js';
import { formatMs } from '../../lib/engine/reason.js';
import { thaw } from '../../lib/engine/thaw.js';
import { decide } from '../../lib/engine/decide.js';
import { compilePolicy, type CompiledPolicy, type Signal } from '../../lib/index.js';
import { builtinPolicy } from '../../lib/policy/load.js';

/**
 * The engine's per-policy plan (plan.ts) only makes decisions cheaper: each shortcut must give
 * exactly what the plain computation gives.
 */

const VENDORS = ['gradium', 'elsa', 'audixa', 'zenhire', 'breeze'] as const;
const env = { clock: { now: () => 1_776_772_800_000 }, random: () => 0.5 };

const CODES = ['A', 'B', 'C', 'RATE_LIMIT_EXCEEDED', 'UPSTREAM_GENERATION_ERROR', '1008', '1011'];
const STATUSES = [200, 400, 425, 429, 500, 502, 503];
const JOB_STATES = ['queued', 'failed', 'completed'];

const oneOrMany = <T>(values: readonly T[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }),
  );

/** Rules over small domains, with one to three conditions each, so that rules overlap and match. */
const CONDITIONS = {
  transport: fc.constantFrom('http', 'ws'),
  phase: oneOrMany(['submit', 'poll', 'stream']),
  status: oneOrMany(STATUSES),
  code: oneOrMany(CODES),
  jobStatus: oneOrMany(JOB_STATES),
  closeCode: oneOrMany([1008, 1011]),
  error: oneOrMany(['ECONNRESET', 'ENOTFOUND']),
  messagePattern: fc.constantFrom('slow', '^x', 'retry'),
  envelope: fc.constantFrom('error', 'job'),
  emptyBody: fc.constant(true),
};
const ruleMatch = fc
  .shuffledSubarray(Object.keys(CONDITIONS) as (keyof typeof CONDITIONS)[], { minLength: 1, maxLength: 3 })
  .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, CONDITIONS[k]]))));

/** A match as the compiler compares them (lists sorted, single values as lists). */
const canonical = (m: object): string =>
  JSON.stringify(
    Object.entries(m)
      .map(([k, v]) => [k, Array.isArray(v) ? [...(v as unknown[])].sort() : [v]] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/** A policy document with random rules (duplicate matches are dropped: the compiler refuses them). */
const randomPolicy: fc.Arbitrary<CompiledPolicy> = fc
  .uniqueArray(ruleMatch, { minLength: 1, maxLength: 14, selector: canonical })
  .map((matches) =>
    compilePolicy({
      vendor: 'random',
      title: 'Random',
      docs: ['generated'],
      envelopes: [
        {
          id: 'error',
          format: 'json',
          when: { 'error.code': true },
          fields: { code: ['error.code'], message: ['error.message'] },
        },
        {
          id: 'job',
          format: 'json',
          when: { status: true },
          isError: false,
          fields: { jobStatus: ['status'] },
        },
      ],
      rules: matches.map((match, i) => ({
        id: `r${i}`,
        match,
        action: 'retry',
        category: 'x',
        summary: `rule ${i}`,
        source: 'generated',
      })),
    }),
  );

/** Signals whose payloads the envelopes above (and the built-in ones) read. */
const signalFor = (vendor: string): fc.Arbitrary<Signal> =>
  fc
    .record(
      {
        transport: fc.constantFrom('http' as const, 'ws' as const),
        phase: fc.constantFrom('submit' as const, 'poll' as const, 'stream' as const),
        status: fc.constantFrom(...STATUSES),
        body: fc.oneof(
          fc
            .record({
              code: fc.constantFrom(...CODES),
              message: fc.constantFrom('slow down', 'x', 'retry in 2 s'),
            })
            .map((error) => JSON.stringify({ error })),
          fc.constantFrom(...JOB_STATES).map((status) => JSON.stringify({ id: 'j', status })),
          fc.constantFrom(
            '',
            'error from server 1011: boom',
            '{"detail":"ASR timeout"}',
            '{"ok":false,"code":"A"}',
          ),
        ),
        closeCode: fc.constantFrom(1000, 1008, 1011),
        error: fc.constantFrom('ECONNRESET', 'ENOTFOUND'),
      },
      { requiredKeys: [] },
    )
    .map((s) => ({ vendor, ...s }));

describe('the rule index', () => {
  it('finds the rule a scan of every rule finds, for random policies', () => {
    fc.assert(
      fc.property(
        randomPolicy.chain((policy) => fc.tuple(fc.constant(policy), signalFor('random'))),
        ([policy, signal]) => {
          const plan = planFor(policy);
          const facts = readFacts(plan, signal);
          expect(findRule(plan, facts)?.rule).toBe(policy.rules.find((r) => ruleMatches(r, facts)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds the rule a scan of every rule finds, for the built-in policies', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VENDORS).chain((v) => signalFor(v)),
        fc.constantFrom(...CODES, 'GENERATION_NOT_READY', 'SERVICE_WARMING_UP', 'POLL_RATE_LIMITED'),
        (signal, code) => {
          const policy = builtinPolicy(signal.vendor);
          const plan = planFor(policy);
          for (const s of [
            signal,
            { ...signal, body: JSON.stringify({ ok: false, code, error: { code } }) },
          ]) {
            const facts = readFacts(plan, s);
            expect(findRule(plan, facts)?.rule).toBe(policy.rules.find((r) => ruleMatches(r, facts)));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('reading payloads', () => {
  it('finds a token exactly when includes() does', () => {
    const text = fc.string({ unit: fc.constantFrom('"', 'a', 'b', ':', '\\', '/', '{'), maxLength: 24 });
    fc.assert(
      fc.property(
        text,
        fc.array(fc.array(text, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        (t, tokens) => {
          const quoted = tokens.map((anyOf) => anyOf.map((s, i) => (i % 2 === 0 ? `"${s}` : s)));
          const policy = builtinPolicy('breeze');
          const envelope = { ...policy.envelopes[0]!, requiredTokens: quoted };
          const [reader] = buildReaders({ ...policy, envelopes: [envelope] }).body;
          const expected = quoted.every((anyOf) => anyOf.some((token) => t.includes(token)));
          expect(hasRequiredTokens(reader!, t)).toBe(expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('an error body decides the same without any token shortcut', () => {
    const withoutPrefilter = (p: CompiledPolicy): CompiledPolicy => ({
      ...p,
      envelopes: p.envelopes.map((e) => ({ ...e, requiredTokens: [] })),
    });
    const pairs = VENDORS.map((v) => [builtinPolicy(v), withoutPrefilter(builtinPolicy(v))] as const);
    const body = fc.oneof(
      fc.json(),
      fc.constantFrom('{"type":"error","code":"1011"}', '{"\\u0065rror":{"code":"A"}}', '{"detail":"x"}'),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.integer({ min: 400, max: 599 }),
        body,
        ([fast, slow], status, b) => {
          const signal: Signal = { vendor: fast.vendor, status, body: b };
          expect(decide(fast, signal, env)).toEqual(decide(slow, signal, env));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a thawed pattern matches what the frozen one matches', () => {
    const frozen = Object.freeze(/^\s*ASR timeout|retry (\d+)/i);
    const twin = thaw(frozen);
    expect(twin).not.toBe(frozen);
    expect(Object.isFrozen(twin)).toBe(false);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(' ', 'A', 'S', 'R', 'a', 'r', 'e', 't', 'y', '1') }),
        (t) => {
          expect(twin.exec(t)).toEqual(frozen.exec(t));
        },
      ),
    );
    const sticky = Object.freeze(/x/y);
    expect(thaw(sticky)).toBe(sticky);
  });
});

describe('header values', () => {
  it('the largest number read is the one every value of the header gives', () => {
    const name = fc.constantFrom(
      'retry-after',
      'Retry-After',
      'RETRY-AFTER',
      'retry-\u212after',
      'x',
      'İ',
      'i\u0307',
    );
    const value = fc.oneof(
      fc.constantFrom('10', '3', 'x', ''),
      fc.integer({ min: -5, max: 50 }),
      fc.array(fc.oneof(fc.constantFrom('7', 'y'), fc.integer()), { maxLength: 3 }),
    );
    const read = (v: string): number | undefined => (/^\d+$/.test(v) ? Number(v) : undefined);
    fc.assert(
      fc.property(
        fc.dictionary(name, value),
        fc.constantFrom('retry-after', 'i\u0307'),
        (headers, wanted) => {
          let expected: number | undefined;
          for (const key of Object.keys(headers)) {
            if (key.toLowerCase() !== wanted) continue;
            const v = headers[key];
            const texts = typeof v === 'number' ? [String(v)] : Array.isArray(v) ? v : [v];
            for (const t of texts) {
              const n = typeof t === 'string' ? read(t) : undefined;
              if (n !== undefined && (expected === undefined || n > expected)) expected = n;
            }
          }
          const ascii = /^[\x20-\x7e]*$/.test(wanted);
          expect(largestHeaderNumber(headers as never, wanted, ascii, read, 0)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('formatMs', () => {
  /** The plain definition the fast path must agree with. */
  const reference = (ms: number): string => {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
    return `${Number((ms / 60_000).toFixed(1))} min`;
  };

  it('prints what toFixed prints, for whole and fractional milliseconds', () => {
    const ms = fc.oneof(
      fc.integer({ min: 0, max: 200_000 }),
      fc.integer({ min: 0, max: 2 ** 42 }),
      fc.constantFrom(1050, 1450, 1950, 59_950, 63_000, 2 ** 40 - 1, 2 ** 40, 2 ** 53),
      fc.double({ min: 0, max: 1e7, noNaN: true }),
    );
    fc.assert(
      fc.property(ms, (n) => {
        expect(formatMs(n)).toBe(reference(n));
      }),
      { numRuns: 20_000 },
    );
    const wrong: number[] = [];
    for (let n = 900; n < 130_000; n++) if (formatMs(n) !== reference(n)) wrong.push(n);
    expect(wrong).toEqual([]);
  });
});

describe('waits in message text', () => {
  const UNITS: Record<string, number> = {
    ms: 1,
    millisecond: 1,
    milliseconds: 1,
    s: 1000,
    sec: 1000,
    secs: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    mins: 60_000,
    minute: 60_000,
    minutes: 60_000,
  };

  it('reads every unit the built-in pattern knows, in any case', () => {
    const policy = builtinPolicy('audixa');
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(UNITS)),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1, max: 90 }),
        (unit, upper, n) => {
          const written = [...unit].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
          const body = JSON.stringify({ detail: `Please retry after ${n} ${written}.` });
          const d = decide(policy, { vendor: 'audixa', status: 429, body }, env);
          expect(d.retryAfterMs).toBe(n * (UNITS[unit] ?? NaN));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
