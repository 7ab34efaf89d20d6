import { describe, it } from '@jest/globals';
import type { Signal } from '../../../../lib/index.js';
import { expectDecision, type Expected } from '../../../support/engine.js';

const g = (s: Omit<Signal, 'vendor'>): Signal => ({ vendor: 'gradium', ...s });
const wsError = (code: number | undefined): string =>
  JSON.stringify({ type: 'error', message: 'Error description', ...(code === undefined ? {} : { code }) });

const rows: [string, Signal, Expected][] = [
  [
    'REST 500 `error from server 1008` is fatal',
    g({ status: 500, body: 'error from server 1008: API key is revoked or expired' }),
    { action: 'fail', code: '1008', category: 'policy_violation', rule: 'gradium#policy-violation' },
  ],
  [
    'REST 500 `error from server 1011` is retried',
    g({ status: 500, body: 'error from server 1011: internal error' }),
    { action: 'retry', code: '1011', rule: 'gradium#internal-error-http', delayMs: [0, 500] },
  ],
  [
    'REST 1011 gives up after 3 attempts',
    g({ status: 500, body: 'error from server 1011: internal error', attempt: 3 }),
    { action: 'fail', code: '1011' },
  ],
  [
    'REST 500 raw proxy text is fatal',
    g({ status: 500, body: "unsupported content type for SST 'audio/mpeg'" }),
    { action: 'fail', code: null, rule: 'gradium#proxy-rejection' },
  ],
  [
    'REST 500 with an empty body falls back to retry',
    g({ status: 500, body: '' }),
    { action: 'retry', rule: 'gradium#fallback-5xx' },
  ],
  [
    'older JSON shape with code 401 fails',
    g({ status: 401, body: '{"error":"bad key","code":401}' }),
    { action: 'fail', code: '401' },
  ],
  [
    'older JSON shape with code 500 retries',
    g({ status: 500, body: '{"error":"oops","code":500}' }),
    { action: 'retry', code: '500' },
  ],
  [
    'CRUD 422 detail fails',
    g({ status: 422, body: '{"detail":[{"loc":["body"],"msg":"x"}]}' }),
    { action: 'fail', category: 'invalid_request' },
  ],
  [
    'CRUD 400 unknown voice fails',
    g({ status: 400, body: '{"detail":"Embeddings not found for abc"}' }),
    { action: 'fail' },
  ],
  [
    'in-stream error line after 200',
    g({ phase: 'stream', status: 200, streamLine: '{"type":"error","message":"Error description"}' }),
    { action: 'retry', category: 'stream_error', rule: 'gradium#stream-error-line' },
  ],
  [
    'in-stream text line is fine',
    g({ phase: 'stream', status: 200, streamLine: '{"type":"text","text":"Hello","start_s":0.5}' }),
    { action: 'ok' },
  ],
  [
    'in-stream end_of_stream is fine',
    g({ phase: 'stream', streamLine: '{"type":"end_of_stream"}' }),
    { action: 'ok' },
  ],
  [
    'ASR POST silent empty 200 is a configuration error',
    g({ status: 200, body: '' }),
    { action: 'fail', category: 'config_error' },
  ],
  ['TTS 200 with audio is fine', g({ status: 200, body: 'RIFF....WAVEfmt ' }), { action: 'ok' }],
  [
    'WS error 1011 then close 1011 reconnects',
    g({ transport: 'ws', message: wsError(1011), closeCode: 1011 }),
    { action: 'reconnect', code: '1011', rule: 'gradium#internal-error-ws', delayMs: [0, 500] },
  ],
  [
    'WS error 1008 then close 1008 fails',
    g({ transport: 'ws', message: wsError(1008), closeCode: 1008 }),
    { action: 'fail', code: '1008' },
  ],
  [
    'WS close 1011 alone reconnects',
    g({ transport: 'ws', closeCode: 1011 }),
    { action: 'reconnect', code: '1011', rule: 'gradium#close-internal-error' },
  ],
  ['WS close 1008 alone fails', g({ transport: 'ws', closeCode: 1008 }), { action: 'fail', code: '1008' }],
  ['WS close 1003 fails', g({ transport: 'ws', closeCode: 1003 }), { action: 'fail' }],
  [
    'WS close 1006 (no close frame) reconnects',
    g({ transport: 'ws', closeCode: 1006 }),
    { action: 'reconnect', category: 'network' },
  ],
  ['WS close 1001/1012/1013 reconnect', g({ transport: 'ws', closeCode: 1012 }), { action: 'reconnect' }],
  ['WS close 1000 is done', g({ transport: 'ws', closeCode: 1000 }), { action: 'ok', category: 'done' }],
  [
    'WS 1011 reconnects at most 5 times',
    g({ transport: 'ws', closeCode: 1011, attempt: 5 }),
    { action: 'fail', code: '1011' },
  ],
  [
    'WS error without code reconnects',
    g({ transport: 'ws', message: wsError(undefined) }),
    { action: 'reconnect', rule: 'gradium#ws-error-message' },
  ],
  [
    'WS ready/audio messages are fine',
    g({ transport: 'ws', message: '{"type":"audio","audio":"AAAA"}' }),
    { action: 'ok' },
  ],
  [
    'WS upgrade rejected 401 fails',
    g({ transport: 'ws', status: 401 }),
    { action: 'fail', category: 'auth' },
  ],
  [
    'WS upgrade rejected 403 fails',
    g({ transport: 'ws', status: 403 }),
    { action: 'fail', category: 'permission' },
  ],
  [
    'WS upgrade 429 with Retry-After backs off',
    g({ transport: 'ws', status: 429, headers: { 'Retry-After': '5' } }),
    { action: 'backoff', delayMs: [5000, 5500], delaySource: 'header' },
  ],
  [
    'WS upgrade 503 with Retry-After backs off',
    g({ transport: 'ws', status: 503, headers: { 'Retry-After': '2' } }),
    { action: 'backoff', delayMs: [2000, 2200] },
  ],
  ['WS upgrade 503 without a wait reconnects', g({ transport: 'ws', status: 503 }), { action: 'reconnect' }],
  [
    'WS network failure reconnects',
    g({ transport: 'ws', error: 'ECONNRESET' }),
    { action: 'reconnect', category: 'network' },
  ],
];

describe('gradium policy', () => {
  it.each(rows)('%s', (_name, signal, want) => expectDecision(signal, want));
});
