import { describe, it } from '@jest/globals';
import type { Signal } from '../../../../lib/index.js';
import { expectDecision, NOW_MS, type Expected } from '../../../support/engine.js';

const a = (s: Omit<Signal, 'vendor'>): Signal => ({ vendor: 'audixa', ...s });
const detail = (text: string): string => JSON.stringify({ detail: text });
const gen = (status: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ generation_id: 'gen_1', status, ...extra });

const rows: [string, Signal, Expected][] = [
  [
    '400 fails',
    a({
      status: 400,
      body: JSON.stringify({
        detail: 'Validation error',
        errors: [{ field: 'text', message: 'Text is required' }],
      }),
    }),
    { action: 'fail', category: 'invalid_request', code: null },
  ],
  [
    '401 fails',
    a({ status: 401, body: detail('Invalid or missing API key') }),
    { action: 'fail', category: 'auth' },
  ],
  [
    '402 fails',
    a({ status: 402, body: detail('Insufficient Balance') }),
    { action: 'fail', category: 'billing' },
  ],
  [
    '403 fails',
    a({ status: 403, body: detail('Access denied for this generation') }),
    { action: 'fail', category: 'permission' },
  ],
  [
    '404 fails',
    a({ phase: 'poll', status: 404, body: detail('Generation not found') }),
    { action: 'fail', category: 'not_found' },
  ],
  [
    '422 fails',
    a({ status: 422, body: detail('Validation error') }),
    { action: 'fail', category: 'invalid_request' },
  ],
  [
    '429 reads the wait from the detail text',
    a({ status: 429, body: detail('Rate limit exceeded. Please retry after 30 seconds.') }),
    {
      action: 'backoff',
      category: 'rate_limited',
      delayMs: [30_000, 33_000],
      delaySource: 'message',
      retryAfterMs: 30_000,
    },
  ],
  [
    '429 Retry-After beats the text',
    a({
      status: 429,
      headers: { 'retry-after': '12' },
      body: detail('Rate limit exceeded. Please retry after 30 seconds.'),
    }),
    { action: 'backoff', delayMs: [12_000, 13_200], delaySource: 'header' },
  ],
  [
    '429 X-RateLimit-Reset gives the wait when Retry-After is absent',
    a({
      status: 429,
      headers: {
        'X-RateLimit-Limit': '120',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(NOW_MS / 1000 + 20),
      },
      body: detail('Too Many Requests'),
    }),
    { action: 'backoff', delayMs: [20_000, 22_000], delaySource: 'header' },
  ],
  [
    '429 old shape without a wait backs off exponentially',
    a({ status: 429, body: '{"detail":"Too Many Requests","error":"20/min"}' }),
    { action: 'backoff', delayMs: [500, 1000], delaySource: 'computed' },
  ],
  [
    '500 retries',
    a({ status: 500, body: detail('An unexpected error occurred. Please try again.') }),
    { action: 'retry', delayMs: [500, 1000] },
  ],
  ['503 retries', a({ status: 503 }), { action: 'retry', category: 'unavailable' }],
  [
    '503 with Retry-After backs off',
    a({ status: 503, headers: { 'retry-after': '3' } }),
    { action: 'backoff', delayMs: [3000, 3300] },
  ],
  ['201 IN_QUEUE on submit is fine', a({ status: 201, body: gen('IN_QUEUE') }), { action: 'ok' }],
  [
    'poll IN_QUEUE polls every 1–2 s',
    a({ phase: 'poll', status: 200, body: gen('IN_QUEUE') }),
    { action: 'poll', delayMs: [1500, 1650] },
  ],
  [
    'poll GENERATING polls',
    a({ phase: 'poll', status: 200, body: gen('GENERATING') }),
    { action: 'poll', category: 'not_ready' },
  ],
  [
    'poll COMPLETED is done',
    a({ phase: 'poll', status: 200, body: gen('COMPLETED', { audio_url: 'https://cdn/x.wav' }) }),
    { action: 'ok', category: 'done' },
  ],
  [
    'poll FAILED resubmits',
    a({ phase: 'poll', status: 200, body: gen('FAILED', { error_message: 'boom' }) }),
    { action: 'resubmit', category: 'job_failed' },
  ],
  [
    'poll FAILED twice fails',
    a({ phase: 'poll', status: 200, body: gen('FAILED'), attempt: 2 }),
    { action: 'fail' },
  ],
  [
    'poll EXPIRED fails',
    a({ phase: 'poll', status: 200, body: gen('EXPIRED') }),
    { action: 'fail', category: 'not_found' },
  ],
  ['old v2 casing is read', a({ phase: 'poll', status: 200, body: gen('Generating') }), { action: 'poll' }],
  [
    'WS close 1003 fails',
    a({ transport: 'ws', closeCode: 1003 }),
    { action: 'fail', code: '1003', category: 'invalid_request' },
  ],
  [
    'WS close 1008 fails',
    a({ transport: 'ws', closeCode: 1008 }),
    { action: 'fail', code: '1008', category: 'auth' },
  ],
  [
    'WS close 1011 reconnects',
    a({ transport: 'ws', closeCode: 1011 }),
    { action: 'reconnect', code: '1011' },
  ],
  [
    'WS "Invalid API Key" error fails',
    a({ transport: 'ws', message: '{"type":"error","message":"Invalid API Key"}' }),
    { action: 'fail', category: 'auth' },
  ],
  [
    'WS validation error fails',
    a({ transport: 'ws', message: '{"type":"error","message":"Missing field: voice_id"}', closeCode: 1003 }),
    { action: 'fail', category: 'invalid_request' },
  ],
  [
    'WS unclassified error reconnects',
    a({ transport: 'ws', message: '{"type":"error","message":"Redis connection failure"}' }),
    { action: 'reconnect' },
  ],
  [
    'WS started/completed are fine',
    a({ transport: 'ws', message: '{"type":"completed","audio_url":"https://cdn/x"}' }),
    { action: 'ok' },
  ],
];

describe('audixa policy', () => {
  it.each(rows)('%s', (_name, signal, want) => expectDecision(signal, want));
});
