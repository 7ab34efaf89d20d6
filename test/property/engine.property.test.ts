import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createVendorEngine } from '../../lib/core/default-engine.js';
import { parseRetryAfterMs } from '../../lib/core/engine/server-wait.js';
import {
  ACTIONS,
  type Decision,
  type HeaderValue,
  type Phase,
  type Signal,
  type Transport,
} from '../../lib/core/engine/types.js';
import { builtinPolicy } from '../../lib/core/policy/index.js';

/**
 * Property tests for the engine (issue 2, docs/design.md rules 2, 3, 8, 9): arbitrary signals and payload
 * bytes never make `decide` throw, and every decision keeps the Decision contract.
 */

const VENDORS = ['gradium', 'elsa', 'audixa', 'zenhire', 'breeze'] as const;
const NOW = Date.UTC(2026, 3, 21, 12, 0, 0);
/** Put into message/detail text of bodies, lines and messages; must never reach a reason. */
const CANARY = 'CANARY7f3a9q';
const SERVER_SOURCES = new Set(['header', 'body', 'message']);

const engineFor = (r: number) => createVendorEngine({ clock: { now: () => NOW }, random: () => r });

// ---------------------------------------------------------------------------------------------
// Arbitraries

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('\r', '\n', ' ', '\t', '\u0000', 'é', '😀', '"', '\\', '{', '[') }),
);

/** Things vendors put in a wait: numbers of every size, strings of numbers, junk. */
const waitNumber = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, 1, 10, 30, 1e6, 1e12, 1e300, 1e308, -1, 0.0001, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('10', ' 30 ', '-5', '1e3', 'abc', '', '99999999999999999999999', '0.5'),
);

const retryAfterJunk = fc.oneof(
  fc.constantFrom(
    '10',
    '0',
    '-5',
    '1e3',
    ' 30 ',
    '\r\n10',
    '10\r\nX-Injected: 1',
    'NaN',
    'Infinity',
    '999999999999',
    '999999999999.999999',
    '0.5',
    '٣٠',
    'Wed, 21 Oct 2099 07:28:00 GMT',
    'Thu, 01 Jan 1970 00:00:00 GMT',
    'Tue, 21 Apr 2026 12:00:30 GMT',
    'Tue, 21 Apr 2026 11:59:30 GMT',
    'Mon, 99 Foo 2026 99:99:99 GMT',
    'tomorrow',
    '',
  ),
  fc.nat({ max: 10_000_000 }).map(String),
  fc.double({ noNaN: true }).map(String),
  anyText,
  fc.integer({ min: 1, max: 200_000 }).map((n) => ' '.repeat(n) + 'x'),
  fc.integer({ min: 1, max: 200_000 }).map((n) => '1'.repeat(n)),
);

const headerName = fc.oneof(
  fc.constantFrom(
    'Retry-After',
    'retry-after',
    'RETRY-AFTER',
    'retry-after-ms',
    'Retry-After-Ms',
    'x-ratelimit-reset',
    'X-RateLimit-Reset',
    'content-type',
    '__proto__',
    'constructor',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);

const headerValue: fc.Arbitrary<HeaderValue> = fc.oneof(
  retryAfterJunk,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.array(retryAfterJunk, { maxLength: 4 }),
);

const headers = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

const vendorCode = fc.oneof(
  fc.constantFrom(
    'RATE_LIMIT_EXCEEDED',
    'POLL_RATE_LIMITED',
    'SERVICE_WARMING_UP',
    'UPSTREAM_GENERATION_SERVICE_ERROR',
    'UPSTREAM_GENERATION_ERROR',
    'GENERATION_NOT_READY',
    'AUTH_CONFIG_MISSING',
    'UPSTREAM_ASSET_STORAGE_ERROR',
    'INTERNAL_ERROR',
    'TRANSCRIPTION_FAILED',
    '1008',
    '1011',
  ),
  fc.string({ maxLength: 30 }),
);

const messageText = fc.oneof(
  fc.constantFrom(
    'Please retry after 30 seconds.',
    'try again in 2.5 s',
    'wait 1 minute',
    'retry after 999999999 minutes',
    'retry after -5 seconds',
    'TooManyRequests: slow down',
  ),
  anyText,
);

/** A message that carries the canary somewhere inside. */
const canaryMessage = fc.tuple(messageText, messageText).map(([a, b]) => `${a} ${CANARY} ${b}`);

const jobStatus = fc.oneof(
  fc.constantFrom('queued', 'processing', 'success', 'partial', 'failed', 'completed', 'PROCESSING', 'error'),
  fc.string({ maxLength: 12 }),
);

/** Bodies shaped like each vendor's envelopes, so the parts that read codes and waits run. */
const shapedBody = fc.oneof(
  fc
    .record({ code: vendorCode, message: canaryMessage, ra: waitNumber })
    .map(({ code, message, ra }) =>
      JSON.stringify({ error: { code, message, retryAfterSeconds: ra, requestId: 'req_1' } }),
    ),
  fc
    .record({ code: vendorCode, detail: canaryMessage, ra: waitNumber })
    .map(({ code, detail, ra }) => JSON.stringify({ ok: false, code, detail, retryAfterSeconds: ra })),
  fc.record({ detail: canaryMessage }).map((d) => JSON.stringify(d)),
  fc
    .record({ status: jobStatus, code: vendorCode, message: canaryMessage, poll: waitNumber })
    .map(({ status, code, message, poll }) =>
      JSON.stringify({ id: 'run_1', status, pollIntervalSeconds: poll, error: { code, message } }),
    ),
  fc
    .record({ status: jobStatus, id: fc.string() })
    .map(({ status, id }) => JSON.stringify({ generation_id: id, status, detail: CANARY })),
  fc
    .tuple(fc.constantFrom('1008', '1011', '1003', '999', '12345'), canaryMessage)
    .map(([code, msg]) => `error from server ${code}: ${msg}`),
  fc
    .record({ code: vendorCode, message: canaryMessage })
    .map(({ code, message }) => JSON.stringify({ type: 'error', code, message })),
  fc.record({ message: canaryMessage }).map(({ message }) => JSON.stringify({ error: message })),
  canaryMessage.map((m) => `Internal Server Error ${m}`),
);

const pollutingBody = fc.constantFrom(
  '{"__proto__":{"polluted":"yes","retryAfterSeconds":5},"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"error":{"__proto__":{"code":"RATE_LIMIT_EXCEEDED","retryAfterSeconds":5},"message":"CANARY7f3a9q"}}',
  '{"ok":false,"__proto__":{"code":"GENERATION_NOT_READY"},"constructor":{"name":"x"},"detail":"CANARY7f3a9q"}',
  '{"status":{"__proto__":{"toString":1}},"constructor":"processing","hasOwnProperty":1}',
  '[{"__proto__":{"polluted":"yes"}}]',
);

const arbitraryBody = fc.oneof(
  { arbitrary: shapedBody, weight: 6 },
  { arbitrary: anyText.map((t) => `${t}${CANARY}`), weight: 2 },
  { arbitrary: fc.json().map((j) => j), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')), weight: 2 },
  {
    arbitrary: fc.tuple(shapedBody, fc.nat()).map(([b, n]) => b.slice(0, b.length === 0 ? 0 : n % b.length)),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      '['.repeat(10_000),
      '['.repeat(10_000) + ']'.repeat(10_000),
      '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
      '',
      ' ',
      'null',
      '1e999',
      '"string"',
      '\uFEFF{"error":{"code":"RATE_LIMIT_EXCEEDED"}}',
    ),
    weight: 1,
  },
  { arbitrary: pollutingBody, weight: 1 },
);

const streamLine = fc.oneof(
  shapedBody,
  fc
    .record({ code: vendorCode, message: canaryMessage })
    .map(({ code, message }) => JSON.stringify({ type: 'error', code, message })),
  fc.constantFrom('{"type":"audio","data":"AAAA"}', '{"type":"text","text":"hi"}', ''),
  anyText,
);

const networkError = fc.oneof(
  fc.constantFrom('ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET'),
  fc.string({ minLength: 1, maxLength: 20 }),
);

const attempt = fc.oneof(
  fc.integer({ min: 1, max: 10 }),
  fc.integer({ min: 1, max: 1_000_000_000 }),
  fc.constant(Number.MAX_SAFE_INTEGER),
);

/** A well-formed Signal (the engine may throw only for malformed ones); payloads are arbitrary. */
const signalArb: fc.Arbitrary<Signal> = fc
  .record(
    {
      vendor: fc.constantFrom(...VENDORS),
      transport: fc.constantFrom<Transport>('http', 'ws'),
      phase: fc.constantFrom<Phase>('submit', 'poll', 'stream'),
      status: fc.integer({ min: 100, max: 599 }),
      headers,
      body: arbitraryBody,
      streamLine,
      message: streamLine,
      closeCode: fc.integer({ min: 1000, max: 4999 }),
      error: networkError,
      attempt,
    },
    { requiredKeys: ['vendor'] },
  )
  .map((raw) => {
    const s: Signal = { ...raw };
    if (s.transport !== 'ws') {
      delete s.message;
      delete s.closeCode;
    }
    if (
      s.status === undefined &&
      s.streamLine === undefined &&
      s.message === undefined &&
      s.closeCode === undefined &&
      s.error === undefined
    ) {
      s.status = 500;
    }
    return s;
  });

const randomValue = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

// ---------------------------------------------------------------------------------------------
// Checks

function decideOrReport(signal: Signal, r: number): Decision {
  try {
    return engineFor(r).decide(signal);
  } catch (error) {
    throw new Error(`decide threw for a well-formed signal: ${String(error)}`, { cause: error });
  }
}

/** The Decision contract's shape: action, delay and rule (everything but the server-wait bounds). */
function assertShape(d: Decision, signal: Signal): void {
  expect(ACTIONS).toContain(d.action);
  expect(Number.isInteger(d.delayMs)).toBe(true);
  expect(d.delayMs).toBeGreaterThanOrEqual(0);
  expect(['header', 'body', 'message', 'computed', 'none']).toContain(d.delaySource);
  if (d.action === 'ok' || d.action === 'fail') {
    expect(d.delayMs).toBe(0);
    expect(d.delaySource).toBe('none');
  } else {
    expect(d.delaySource).not.toBe('none');
  }
  expect(typeof d.category).toBe('string');
  expect(d.category.length).toBeGreaterThan(0);
  expect(d.rule.startsWith(`${signal.vendor}#`)).toBe(true);
  expect(d.rule.length).toBeGreaterThan(signal.vendor.length + 1);
  if (d.code !== undefined) expect(typeof d.code).toBe('string');
  // A decision survives JSON unchanged (no Infinity/NaN turning into null, no undefined members).
  expect(JSON.parse(JSON.stringify(d))).toEqual(d);
}

/** Rule 2: never less than the server asked, at most +20% (a poll may also wait the vendor's minimum interval). */
function assertServerWait(d: Decision, signal: Signal): void {
  if (d.retryAfterMs !== undefined) {
    expect(Number.isFinite(d.retryAfterMs)).toBe(true);
    expect(d.retryAfterMs).toBeGreaterThanOrEqual(0);
  }
  if (SERVER_SOURCES.has(d.delaySource)) {
    expect(d.retryAfterMs).toBeDefined();
    const asked = d.retryAfterMs ?? NaN;
    expect(d.delayMs).toBeGreaterThanOrEqual(asked);
    // Polls never go faster than the vendor's documented minimum interval (docs/vendor-docs/VENDORS.md), which can
    // exceed the server's own number; everything else gets at most +20% on top of what was asked.
    const floor = d.action === 'poll' ? builtinPolicy(signal.vendor).polling.minIntervalMs : 0;
    expect(d.delayMs).toBeLessThanOrEqual(Math.max(asked * 1.2 + 1, floor));
  }
  if (d.retryAfterMs !== undefined && d.action !== 'ok' && d.action !== 'fail') {
    // A wait the server named is the wait's source, unless the policy's minimum poll interval
    // lengthened it: then that is the source (decide.ts), and the server's number stays reported.
    const raisedPoll =
      d.action === 'poll' &&
      d.delaySource === 'computed' &&
      d.delayMs === builtinPolicy(signal.vendor).polling.minIntervalMs &&
      d.retryAfterMs < d.delayMs;
    expect(SERVER_SOURCES.has(d.delaySource) || raisedPoll).toBe(true);
  }
}

function assertReason(d: Decision): void {
  expect(typeof d.reason).toBe('string');
  expect(d.reason.trim().length).toBeGreaterThan(0);
  expect(d.reason).not.toMatch(/[\r\n\u2028\u2029]/);
  expect(d.reason).not.toContain(CANARY);
}

const RUNS = 300;

/** Known bug: a body wait of 1e308 s is a finite number of seconds but Infinity milliseconds. */
const HUGE_BODY_WAIT: Signal = {
  vendor: 'zenhire',
  status: 429,
  body: '{"error":{"code":"RATE_LIMIT_EXCEEDED","retryAfterSeconds":1e308}}',
};
/** A poll the vendor asks to repeat in 0.5 s, under ZenHire's 10 s minimum poll interval (once a counterexample). */
const POLL_BELOW_MINIMUM: Signal = {
  vendor: 'zenhire',
  phase: 'poll',
  status: 500,
  body: '{"id":"run_1","status":"queued","pollIntervalSeconds":"0.5","error":{"code":"RATE_LIMIT_EXCEEDED","message":"Please retry after 30 seconds."}}',
};
let prototypeKeys: string[] = [];

beforeAll(() => {
  prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
});

afterAll(() => {
  // Checked again here so pollution by any test in this file is caught.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
});

describe('engine.decide on arbitrary well-formed signals', () => {
  it('never throws and keeps the Decision shape (action, delayMs, delaySource, rule)', () => {
    fc.assert(
      fc.property(signalArb, randomValue, (signal, r) => {
        assertShape(decideOrReport(signal, r), signal);
      }),
      { numRuns: RUNS, examples: [[HUGE_BODY_WAIT, 0.5]] },
    );
  });

  it('honours server-given waits: retryAfterMs finite, delayMs in [asked, asked × 1.2 + 1]', () => {
    fc.assert(
      fc.property(signalArb, randomValue, (signal, r) => {
        assertServerWait(decideOrReport(signal, r), signal);
      }),
      {
        numRuns: RUNS,
        examples: [
          [HUGE_BODY_WAIT, 0.5],
          [POLL_BELOW_MINIMUM, 0],
        ],
      },
    );
  });

  it('gives a one-line, non-empty reason that never repeats payload text', () => {
    fc.assert(
      fc.property(signalArb, randomValue, (signal, r) => {
        assertReason(decideOrReport(signal, r));
      }),
      {
        numRuns: RUNS,
        examples: [
          // The vendor's code is copied into the reason as-is, newlines included.
          [
            {
              vendor: 'zenhire',
              status: 500,
              body: JSON.stringify({ error: { code: 'E\nforged: line', message: 'x' } }),
            },
            0.5,
          ],
        ],
      },
    );
  });

  it('is deterministic for a fixed clock and random source', () => {
    fc.assert(
      fc.property(signalArb, randomValue, (signal, r) => {
        expect(decideOrReport(signal, r)).toEqual(decideOrReport(signal, r));
      }),
      { numRuns: 100 },
    );
  });

  it('copes with 1–5 MB bodies, lines and header values', () => {
    const big = fc
      .record({
        vendor: fc.constantFrom(...VENDORS),
        size: fc.integer({ min: 1_000_000, max: 5_000_000 }),
        kind: fc.constantFrom('json-message', 'brackets', 'latin1', 'text', 'gradium'),
        status: fc.constantFrom(200, 429, 500, 503),
      })
      .map(({ vendor, size, kind, status }): Signal => {
        let body: string;
        switch (kind) {
          case 'json-message':
            body = `{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"${CANARY}${'a'.repeat(size)}","retryAfterSeconds":3}}`;
            break;
          case 'brackets':
            body = '['.repeat(size);
            break;
          case 'latin1':
            body = Buffer.alloc(size, 0xe9).toString('latin1');
            break;
          case 'text':
            body = `Please retry after 30 seconds ${CANARY} ${'x'.repeat(size)}`;
            break;
          default:
            body = `error from server 1011: ${CANARY}${'\n'.repeat(size)}`;
        }
        return { vendor, status, body, headers: { 'retry-after': ' '.repeat(size) + '5' } };
      });
    fc.assert(
      fc.property(big, randomValue, (signal, r) => {
        const started = Date.now();
        const d = decideOrReport(signal, r);
        assertShape(d, signal);
        assertReason(d);
        expect(Date.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 4 },
    );
  });

  it('reads nothing through __proto__/constructor keys and leaves Object.prototype alone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VENDORS),
        pollutingBody,
        fc.constantFrom(200, 400, 500),
        randomValue,
        (vendor, body, status, r) => {
          const d = decideOrReport({ vendor, status, body, phase: 'poll' }, r);
          assertShape(d, { vendor });
          // Inherited names must not be read as the vendor's code or wait.
          expect(d.code).not.toBe('RATE_LIMIT_EXCEEDED');
          expect(d.code).not.toBe('GENERATION_NOT_READY');
          expect(d.delaySource).not.toBe('body');
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        },
      ),
      { numRuns: 50 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  });
});

describe('engine.tryDecide on anything', () => {
  it('never throws; ok:false carries a non-empty message, ok:true a valid decision', () => {
    const engine = engineFor(0.5);
    const input = fc.oneof(
      fc.anything({
        withBigInt: true,
        withNullPrototype: true,
        withMap: true,
        withSet: true,
        withDate: true,
      }),
      fc.record(
        {
          vendor: fc.oneof(
            fc.constantFrom(...VENDORS, '', ' ', 'nope', '__proto__', 'constructor'),
            fc.string(),
          ),
          status: fc.anything({ withBigInt: true }),
          headers: fc.anything(),
          body: fc.anything(),
          transport: fc.anything(),
          phase: fc.anything(),
          attempt: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(input, (value) => {
        let result;
        try {
          result = engine.tryDecide(value);
        } catch (error) {
          throw new Error(`tryDecide threw: ${String(error)}`, { cause: error });
        }
        if (result.ok) {
          assertShape(result.decision, { vendor: (value as { vendor: string }).vendor });
        } else {
          expect(typeof result.error).toBe('string');
          expect(result.error.trim().length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  });

  it('names the field when `status` has the wrong type or range (rule 9)', () => {
    const engine = engineFor(0.5);
    const badStatus = fc
      .anything({ withBigInt: true, withBoxedValues: true })
      .filter(
        (v) => v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599),
      );
    fc.assert(
      fc.property(badStatus, (status) => {
        const result = engine.tryDecide({ vendor: 'zenhire', status });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error).toContain('status');
      }),
      { numRuns: 200, examples: [[10n]] },
    );
  });
});

describe('parseRetryAfterMs', () => {
  it('turns any string into undefined or a finite integer ≥ 0', () => {
    const value = fc.oneof(retryAfterJunk, fc.string({ unit: 'binary' }), fc.json());
    const now = fc.oneof(fc.constant(NOW), fc.integer({ min: 0, max: 8.64e15 }));
    fc.assert(
      fc.property(value, now, (v, nowMs) => {
        const ms = parseRetryAfterMs(v, nowMs);
        if (ms !== undefined) {
          expect(Number.isInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads delta-seconds exactly and dates relative to now', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), (seconds) => {
        expect(parseRetryAfterMs(String(seconds), NOW)).toBe(seconds * 1000);
        const date = new Date(NOW + seconds * 1000 + 1000).toUTCString();
        expect(parseRetryAfterMs(date, NOW)).toBe(seconds * 1000 + 1000);
        const past = new Date(NOW - seconds * 1000 - 1000).toUTCString();
        expect(parseRetryAfterMs(past, NOW)).toBeUndefined();
        expect(parseRetryAfterMs(`-${seconds + 1}`, NOW)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
