import { describe, it } from '@jest/globals';
import type { Signal } from '../../../../lib/index.js';
import { expectDecision, type Expected } from '../../../support/engine.js';

const err = (code: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    error: { code, message: 'm', timestamp: '2026-04-21T12:34:56.789Z', requestId: 'req_1', ...extra },
  });
const run = (status: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id: 'req_1', status, ...extra });
const z = (s: Omit<Signal, 'vendor'>): Signal => ({ vendor: 'zenhire', ...s });

const rows: [string, Signal, Expected][] = [
  [
    '429 RATE_LIMIT_EXCEEDED honours Retry-After',
    z({
      status: 429,
      headers: { 'Retry-After': '10' },
      body: err('RATE_LIMIT_EXCEEDED', { retryAfterSeconds: 10 }),
    }),
    {
      action: 'backoff',
      code: 'RATE_LIMIT_EXCEEDED',
      category: 'rate_limited',
      delayMs: [10_000, 11_000],
      delaySource: 'header',
      retryAfterMs: 10_000,
      rule: 'zenhire#rate-limit',
    },
  ],
  [
    '429 RATE_LIMIT_EXCEEDED falls back to error.retryAfterSeconds',
    z({ status: 429, body: err('RATE_LIMIT_EXCEEDED', { retryAfterSeconds: 7 }) }),
    { action: 'backoff', delayMs: [7000, 7700], delaySource: 'body', retryAfterMs: 7000 },
  ],
  [
    '429 RATE_LIMIT_EXCEEDED without a wait backs off exponentially',
    z({ status: 429, body: err('RATE_LIMIT_EXCEEDED'), attempt: 3 }),
    { action: 'backoff', delayMs: [2000, 4000], delaySource: 'computed' },
  ],
  [
    '429 RATE_LIMIT_EXCEEDED gives up past its cap',
    z({ status: 429, body: err('RATE_LIMIT_EXCEEDED'), attempt: 8 }),
    { action: 'fail', code: 'RATE_LIMIT_EXCEEDED', category: 'rate_limited' },
  ],
  [
    '429 POLL_RATE_LIMITED keeps polling the same run',
    z({
      phase: 'poll',
      status: 429,
      headers: { 'Retry-After': '10' },
      body: err('POLL_RATE_LIMITED', { retryAfterSeconds: 10 }),
    }),
    {
      action: 'poll',
      code: 'POLL_RATE_LIMITED',
      category: 'rate_limited',
      delayMs: [10_000, 11_000],
      delaySource: 'header',
    },
  ],
  [
    'POLL_RATE_LIMITED never polls faster than the 10 s minimum',
    z({ phase: 'poll', status: 429, headers: { 'Retry-After': '3' }, body: err('POLL_RATE_LIMITED') }),
    { action: 'poll', delayMs: [10_000, 10_000] },
  ],
  [
    'POLL_RATE_LIMITED does not use up attempts',
    z({ phase: 'poll', status: 429, body: err('POLL_RATE_LIMITED'), attempt: 500 }),
    { action: 'poll' },
  ],
  [
    '503 SERVICE_WARMING_UP waits the suggested retryAfterSeconds',
    z({
      status: 503,
      headers: { 'Retry-After': '30' },
      body: err('SERVICE_WARMING_UP', { retryAfterSeconds: 30 }),
    }),
    { action: 'backoff', code: 'SERVICE_WARMING_UP', category: 'warming_up', delayMs: [30_000, 33_000] },
  ],
  [
    '503 SERVICE_WARMING_UP without a wait waits 30–60 s',
    z({ status: 503, body: err('SERVICE_WARMING_UP'), attempt: 1 }),
    { action: 'backoff', delayMs: [30_000, 40_000], delaySource: 'computed' },
  ],
  [
    'SERVICE_WARMING_UP keeps going through its 20-minute window',
    z({ status: 503, body: err('SERVICE_WARMING_UP'), attempt: 30 }),
    { action: 'backoff', delayMs: [30_000, 60_000] },
  ],
  [
    'SERVICE_WARMING_UP gives up after 45 attempts',
    z({ status: 503, body: err('SERVICE_WARMING_UP'), attempt: 45 }),
    { action: 'fail', code: 'SERVICE_WARMING_UP' },
  ],
  [
    '404 on poll: run unknown',
    z({ phase: 'poll', status: 404, body: err('NOT_FOUND') }),
    { action: 'fail', category: 'not_found', rule: 'zenhire#run-not-found' },
  ],
  [
    '202 queued on submit is not an error',
    z({ status: 202, body: run('queued', { queuePosition: 3, activeRequests: 8, pollIntervalSeconds: 20 }) }),
    { action: 'ok' },
  ],
  [
    'poll: queued uses pollIntervalSeconds',
    z({ phase: 'poll', status: 200, body: run('queued', { pollIntervalSeconds: 20 }) }),
    { action: 'poll', category: 'not_ready', delayMs: [20_000, 22_000], delaySource: 'body' },
  ],
  [
    'poll: processing uses Retry-After',
    z({ phase: 'poll', status: 200, headers: { 'retry-after': '25' }, body: run('processing') }),
    { action: 'poll', delayMs: [25_000, 27_500], delaySource: 'header' },
  ],
  [
    'poll: processing without a hint follows the 15 s step',
    z({ phase: 'poll', status: 200, body: run('processing'), attempt: 1 }),
    { action: 'poll', delayMs: [15_000, 16_500], delaySource: 'computed' },
  ],
  [
    'poll: after 2 minutes the schedule is 30 s',
    z({ phase: 'poll', status: 200, body: run('processing'), attempt: 9 }),
    { action: 'poll', delayMs: [30_000, 33_000] },
  ],
  [
    'poll: after 5 minutes the schedule is 60 s',
    z({ phase: 'poll', status: 200, body: run('processing'), attempt: 15 }),
    { action: 'poll', delayMs: [60_000, 66_000] },
  ],
  [
    'poll: success',
    z({ phase: 'poll', status: 200, body: run('success') }),
    { action: 'ok', category: 'done' },
  ],
  [
    'poll: partial',
    z({ phase: 'poll', status: 200, body: run('partial') }),
    { action: 'ok', category: 'done' },
  ],
  [
    'poll: failed without a code fails',
    z({ phase: 'poll', status: 200, body: run('failed') }),
    { action: 'fail', category: 'job_failed', rule: 'zenhire#run-failed-other' },
  ],
  [
    'resubmit is bounded',
    z({ phase: 'poll', status: 200, body: run('failed', { error: { code: 'STUCK_TIMEOUT' } }), attempt: 2 }),
    { action: 'fail', code: 'STUCK_TIMEOUT' },
  ],
  [
    'a connection reset on submit may have been billed: fail',
    z({ error: 'ECONNRESET' }),
    { action: 'fail', category: 'network' },
  ],
  [
    'a connection reset on poll is safe to resend',
    z({ phase: 'poll', error: 'ECONNRESET' }),
    { action: 'retry', category: 'network' },
  ],
  [
    'a refused connection never reached the vendor',
    z({ error: 'ECONNREFUSED' }),
    { action: 'retry', delayMs: [500, 1000] },
  ],
  [
    'an undocumented 5xx code falls back to retry',
    z({ status: 502, body: err('GATEWAY_HICCUP') }),
    { action: 'retry', code: 'GATEWAY_HICCUP', rule: 'zenhire#fallback-5xx' },
  ],
  [
    'an undocumented 4xx code falls back to fail',
    z({ status: 418, body: err('TEAPOT') }),
    { action: 'fail', code: 'TEAPOT', rule: 'zenhire#fallback-4xx' },
  ],
];

const failures: [string[], string, string][] = [
  [
    [
      'MISSING_AUDIO_FILE',
      'UNSUPPORTED_FORMAT',
      'FILE_TOO_LARGE',
      'INVALID_LANGUAGE_CODE',
      'INVALID_EXTERNAL_ID',
      'INVALID_METADATA',
      'AUDIO_TOO_SHORT',
      'AUDIO_TOO_LONG',
      'AUDIO_DURATION_UNAVAILABLE',
      'INVALID_STATUS',
      'INVALID_SERVICE_TYPE',
      'INVALID_DATE',
      'INVALID_PARAMETERS',
    ],
    '400',
    'invalid_request',
  ],
  [['MISSING_API_KEY', 'INVALID_API_KEY', 'API_KEY_EXPIRED', 'CLIENT_INACTIVE'], '401', 'auth'],
  [['INSUFFICIENT_CREDITS'], '402', 'billing'],
  [['MULTILINGUAL_NOT_ENABLED', 'IP_NOT_ALLOWED'], '403', 'permission'],
];

describe('zenhire policy', () => {
  it.each(rows)('%s', (_name, signal, want) => expectDecision(signal, want));

  for (const [codes, status, category] of failures) {
    it.each(codes)(`${status} %s fails fast`, (code) =>
      expectDecision(z({ status: Number(status), body: err(code) }), { action: 'fail', code, category }),
    );
  }

  it.each(['TRANSCRIPTION_FAILED', 'SCORING_FAILED', 'STUCK_TIMEOUT', 'INTERNAL_ERROR'])(
    'run failed with %s: resubmit once',
    (code) =>
      expectDecision(
        z({ phase: 'poll', status: 200, body: run('failed', { error: { code, message: 'm' } }) }),
        {
          action: 'resubmit',
          code,
          category: 'job_failed',
          delayMs: [2500, 5000],
        },
      ),
  );

  it.each(['TRANSCRIPTION_LOW_CONFIDENCE', 'SERVICE_CONFIGURATION_ERROR'])(
    'run failed with %s: a fresh run repeats it, fail',
    (code) =>
      expectDecision(
        z({ phase: 'poll', status: 200, body: run('failed', { error: { code, message: 'm' } }) }),
        {
          action: 'fail',
          code,
          category: 'job_failed',
        },
      ),
  );
});

describe('zenhire polling edge cases', () => {
  it('an undocumented job state keeps polling instead of reading as done', () =>
    expectDecision(z({ phase: 'poll', status: 200, body: run('rendering') }), {
      action: 'poll',
      category: 'unknown',
      rule: 'zenhire#fallback-job-state',
    }));

  it('when the 10 s minimum lengthens a server wait, the policy is named as the source', () =>
    expectDecision(z({ phase: 'poll', status: 200, body: run('processing', { pollIntervalSeconds: 0 }) }), {
      action: 'poll',
      delayMs: [10_000, 10_000],
      delaySource: 'computed',
      retryAfterMs: 0,
    }));
});
