import { describe, expect, it } from '@jest/globals';
import { createEngine } from '../../../../lib/core/engine/engine.js';
import { parseRetryAfterMs } from '../../../../lib/core/engine/server-wait.js';
import { compilePolicy, type Signal } from '../../../../lib/index.js';
import { builtinPolicy } from '../../../../lib/core/policy/load.js';
import { decideBoth, expectDecision, NOW_MS } from '../../../support/engine.js';

const rl = (headers: Record<string, string | string[]>, extra: Partial<Signal> = {}): Signal => ({
  vendor: 'zenhire',
  status: 429,
  headers,
  body: JSON.stringify({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'm', timestamp: 't' } }),
  ...extra,
});
const httpDate = (offsetMs: number): string => new Date(NOW_MS + offsetMs).toUTCString();

describe('parseRetryAfterMs', () => {
  it.each([
    ['10', 10_000],
    ['0', 0],
    [' 7 ', 7000],
    ['1.5', 1500],
  ])('delta-seconds %j → %d ms', (value, ms) => expect(parseRetryAfterMs(value, NOW_MS)).toBe(ms));

  it('reads an HTTP-date relative to the injected clock', () => {
    expect(parseRetryAfterMs(httpDate(45_000), NOW_MS)).toBe(45_000);
    expect(parseRetryAfterMs('Tue, 21 Apr 2026 12:01:00 GMT', NOW_MS)).toBe(60_000);
  });

  it.each([
    '-5',
    '',
    'soon',
    '10s',
    '1e3',
    'NaN',
    'Infinity',
    '0x10',
    '12abc',
    httpDate(-1000),
    'Tue, 99 Foo 2026 12:00:00 GMT',
  ])('ignores %j', (value) => expect(parseRetryAfterMs(value, NOW_MS)).toBeUndefined());
});

describe('server-given waits in decisions (docs/design.md rule 2)', () => {
  it('seconds: never less than asked, at most +20%', () =>
    expectDecision(rl({ 'retry-after': '10' }), {
      action: 'backoff',
      delayMs: [10_000, 12_000],
      delaySource: 'header',
      retryAfterMs: 10_000,
    }));

  it('HTTP-date', () =>
    expectDecision(rl({ 'Retry-After': httpDate(45_000) }), {
      action: 'backoff',
      delayMs: [45_000, 54_000],
      delaySource: 'header',
      retryAfterMs: 45_000,
    }));

  it.each([
    ['past date', httpDate(-60_000)],
    ['negative', '-5'],
    ['garbage', 'tomorrow-ish'],
  ])('a %s is ignored in favour of computed backoff', (_n, value) => {
    const { min } = decideBoth(rl({ 'retry-after': value }));
    expect(min.delaySource).toBe('computed');
    expect(min.retryAfterMs).toBeUndefined();
  });

  it('an absurdly large wait fails by default, reporting retryAfterMs', () =>
    expectDecision(rl({ 'retry-after': '86400' }), {
      action: 'fail',
      retryAfterMs: 86_400_000,
      category: 'rate_limited',
    }));

  it.each(['2147483648', '9999999999999', '99999999999999999999', '9'.repeat(400)])(
    'Retry-After %s (any number of digits) is a wait beyond the cap, not a malformed value',
    (value) => {
      const { min, max } = decideBoth(rl({ 'retry-after': value }));
      for (const d of [min, max]) {
        expect(d).toMatchObject({ action: 'fail', delaySource: 'none', category: 'rate_limited' });
        expect(d.retryAfterMs).toBeGreaterThanOrEqual(
          Math.min(Number(value) * 1000, Math.floor(2 ** 53 / 1000)),
        );
        expect(d.reason).toMatch(/beyond this policy's cap/);
      }
    },
  );

  it('an absurdly large wait is clamped where the policy says so', () => {
    const doc = structuredClone(builtinPolicy('zenhire').document) as unknown as Record<string, unknown>;
    doc['serverWait'] = { maxMs: 60_000, overCap: 'clamp', jitterRatio: 0 };
    const engine = createEngine({
      policies: [compilePolicy(doc)],
      clock: { now: () => NOW_MS },
      random: () => 0.5,
    });
    const d = engine.decide(rl({ 'retry-after': '86400' }));
    expect(d).toMatchObject({
      action: 'backoff',
      delayMs: 60_000,
      retryAfterMs: 86_400_000,
      delaySource: 'header',
    });
  });

  it('duplicate headers: the largest valid value wins', () =>
    expectDecision(rl({ 'retry-after': ['3', 'junk', '8'] }), {
      action: 'backoff',
      delayMs: [8000, 9600],
      retryAfterMs: 8000,
    }));

  it('header beats body beats message', () => {
    const body = JSON.stringify({
      error: {
        code: 'RATE_LIMIT_EXCEEDED',
        message: 'Please retry after 90 seconds.',
        timestamp: 't',
        retryAfterSeconds: 40,
      },
    });
    expectDecision(rl({ 'retry-after': '5' }, { body }), {
      action: 'backoff',
      delaySource: 'header',
      retryAfterMs: 5000,
    });
    expectDecision(rl({}, { body }), { action: 'backoff', delaySource: 'body', retryAfterMs: 40_000 });
    const messageOnly = JSON.stringify({
      error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Please retry after 90 seconds.', timestamp: 't' },
    });
    expectDecision(rl({}, { body: messageOnly }), {
      action: 'backoff',
      delaySource: 'message',
      retryAfterMs: 90_000,
    });
  });

  it('retry-after-ms is read as milliseconds', () =>
    expectDecision(rl({ 'retry-after-ms': '2500' }), {
      action: 'backoff',
      delayMs: [2500, 3000],
      retryAfterMs: 2500,
    }));

  it('a negative or non-numeric body field is ignored', () => {
    const body = JSON.stringify({
      error: { code: 'RATE_LIMIT_EXCEEDED', message: 'm', timestamp: 't', retryAfterSeconds: -3 },
    });
    expect(decideBoth(rl({}, { body })).min.delaySource).toBe('computed');
    const body2 = JSON.stringify({
      error: { code: 'RATE_LIMIT_EXCEEDED', message: 'm', timestamp: 't', retryAfterSeconds: 'soon' },
    });
    expect(decideBoth(rl({}, { body: body2 })).min.delaySource).toBe('computed');
  });

  it('a server-given wait on a transient 5xx turns retry into backoff', () =>
    expectDecision(
      { vendor: 'audixa', status: 500, headers: { 'retry-after': '4' } },
      { action: 'backoff', delayMs: [4000, 4400] },
    ));

  const UNIT_MS: Record<string, number> = {
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
  const spellings = (unit: string): string[] => [
    unit,
    unit.toUpperCase(),
    [...unit].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join(''),
  ];
  it.each(Object.keys(UNIT_MS).flatMap(spellings))('a wait in message text in unit %j', (written) => {
    const unit = written.toLowerCase();
    for (const n of [1, 7, 90]) {
      const body = JSON.stringify({ detail: `Please retry after ${n} ${written}.` });
      const d = decideBoth({ vendor: 'audixa', status: 429, body }).min;
      expect(d.retryAfterMs).toBe(n * (UNIT_MS[unit] ?? NaN));
    }
  });

  it('computed backoff: the first retry is well under 30 s and growth is capped', () => {
    expectDecision(
      { vendor: 'zenhire', status: 500 },
      { action: 'retry', delayMs: [500, 1000], delaySource: 'computed' },
    );
    expectDecision(
      { vendor: 'zenhire', status: 500, attempt: 3 },
      { action: 'retry', delayMs: [2000, 4000] },
    );
    expectDecision(
      { vendor: 'zenhire', status: 429, attempt: 7 },
      { action: 'backoff', delayMs: [10_000, 20_000] },
    );
  });
});

describe('payloads that are not what the policy expects', () => {
  it.each([
    ['empty body', ''],
    ['not JSON', '<html>502 Bad Gateway</html>'],
    ['truncated JSON', '{"error":{"code":"RATE_LIMIT_EXC'],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"RATE_LIMIT_EXCEEDED"'],
    ['JSON null', 'null'],
    ['binary', '\u0000\u00ff\u00fe\u0001garbage'],
  ])('%s falls back to the status class', (_name, body) => {
    expectDecision(
      { vendor: 'zenhire', status: 503, body },
      { action: 'retry', rule: 'zenhire#fallback-5xx' },
    );
    expectDecision(
      { vendor: 'zenhire', status: 429, body },
      { action: 'backoff', rule: 'zenhire#fallback-429' },
    );
    expectDecision(
      { vendor: 'zenhire', status: 400, body },
      { action: 'fail', rule: 'zenhire#fallback-4xx' },
    );
  });

  it('a body over the parse cap is cut, not parsed whole', () => {
    const huge = JSON.stringify({ error: { code: 'FILE_TOO_LARGE', message: 'x'.repeat(200_000) } });
    expectDecision(
      { vendor: 'zenhire', status: 400, body: huge },
      { action: 'fail', rule: 'zenhire#fallback-4xx' },
    );
  });

  it('__proto__ and constructor keys are plain data', () => {
    const body = '{"__proto__":{"code":"FILE_TOO_LARGE"},"error":{"constructor":"x"}}';
    expectDecision(
      { vendor: 'zenhire', status: 400, body },
      { action: 'fail', rule: 'zenhire#fallback-4xx' },
    );
    expect(({} as Record<string, unknown>)['code']).toBeUndefined();
  });

  it('status classes: 1xx/3xx are not errors, 408 retries', () => {
    expectDecision({ vendor: 'breeze', status: 304 }, { action: 'ok' });
    expectDecision({ vendor: 'breeze', status: 408 }, { action: 'retry', category: 'timeout' });
  });

  it('close codes outside the documented ones fail', () =>
    expectDecision({ vendor: 'audixa', transport: 'ws', closeCode: 4000 }, { action: 'fail', code: '4000' }));
});
