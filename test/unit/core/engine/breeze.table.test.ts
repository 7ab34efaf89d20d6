import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Signal } from '../../../../lib/index.js';
import { decideBoth, expectDecision } from '../../../support/engine.js';

const page = readFileSync(new URL('../../../../docs/vendor-docs/breeze-errors.txt', import.meta.url), 'utf8');
/** Rows of Breeze's own table: code, status, and its `Retry?` column. */
const documented = [...page.matchAll(/^([A-Z_]+) \| (\d{3}) \| [a-z]+ \| (Yes|No) \|/gm)].map(
  (m) => [m[1] ?? '', Number(m[2]), m[3] === 'Yes'] as const,
);
const envelope = (code: string): string => JSON.stringify({ ok: false, code, detail: 'd', error: 'd' });
const b = (s: Omit<Signal, 'vendor'>): Signal => ({ vendor: 'breeze', ...s });

describe('breeze policy follows its own Retry? column', () => {
  it('reads all 38 documented codes from the vendor page', () => expect(documented).toHaveLength(38));

  it.each(documented)('%s (%d, retry=%s)', (code, status, retryable) => {
    const phase = code === 'GENERATION_NOT_READY' ? 'poll' : 'submit';
    const { min } = decideBoth(b({ phase, status, body: envelope(code) }));
    expect(min.code).toBe(code);
    expect(min.rule).not.toContain('#fallback');
    if (retryable) expect(['retry', 'backoff', 'poll']).toContain(min.action);
    else expect(min.action).toBe('fail');
  });
});

describe('breeze specifics', () => {
  it('502 UPSTREAM_GENERATION_SERVICE_ERROR fails while UPSTREAM_GENERATION_ERROR retries', () => {
    expectDecision(b({ status: 502, body: envelope('UPSTREAM_GENERATION_SERVICE_ERROR') }), {
      action: 'fail',
      category: 'upstream_error',
    });
    expectDecision(b({ status: 502, body: envelope('UPSTREAM_GENERATION_ERROR') }), {
      action: 'retry',
      delayMs: [500, 1000],
    });
  });

  it('503 AUTH_CONFIG_MISSING fails while UPSTREAM_ASSET_STORAGE_ERROR retries', () => {
    expectDecision(b({ status: 503, body: envelope('AUTH_CONFIG_MISSING') }), {
      action: 'fail',
      category: 'config_error',
    });
    expectDecision(b({ status: 503, body: envelope('UPSTREAM_ASSET_STORAGE_ERROR') }), { action: 'retry' });
  });

  it('425 GENERATION_NOT_READY polls after Retry-After', () =>
    expectDecision(
      b({
        phase: 'poll',
        status: 425,
        headers: { 'retry-after': '4' },
        body: envelope('GENERATION_NOT_READY'),
      }),
      {
        action: 'poll',
        code: 'GENERATION_NOT_READY',
        delayMs: [4000, 4400],
        delaySource: 'header',
      },
    ));

  it('a 425 without a body still means not ready', () =>
    expectDecision(b({ phase: 'poll', status: 425 }), { action: 'poll' }));

  it('429 GENERATION_CONCURRENCY_EXCEEDED backs off with full jitter', () =>
    expectDecision(b({ status: 429, body: envelope('GENERATION_CONCURRENCY_EXCEEDED') }), {
      action: 'backoff',
      category: 'concurrency_limited',
      delayMs: [0, 1000],
      delaySource: 'computed',
    }));

  it('a retryable 5xx is bounded at 3 attempts', () =>
    expectDecision(b({ status: 504, body: envelope('GENERATION_TIMEOUT'), attempt: 3 }), {
      action: 'fail',
      code: 'GENERATION_TIMEOUT',
    }));

  it.each([
    ['active', 'poll'],
    ['ready', 'ok'],
  ] as const)('job %s → %s', (status, action) =>
    expectDecision(
      b({ phase: 'poll', status: 200, body: JSON.stringify({ id: 'j1', status, download_url: null }) }),
      { action },
    ),
  );

  it('a job failed with a retryable code is resubmitted once', () => {
    const body = JSON.stringify({
      id: 'j1',
      status: 'failed',
      error: { code: 'GENERATION_FAILED', detail: 'd' },
    });
    expectDecision(b({ phase: 'poll', status: 200, body }), {
      action: 'resubmit',
      code: 'GENERATION_FAILED',
    });
    expectDecision(b({ phase: 'poll', status: 200, body, attempt: 2 }), {
      action: 'fail',
      code: 'GENERATION_FAILED',
    });
  });

  it('a job failed with a non-retryable code fails', () =>
    expectDecision(
      b({
        phase: 'poll',
        status: 200,
        body: JSON.stringify({
          id: 'j1',
          status: 'failed',
          error: { code: 'VALIDATION_ERROR', detail: 'd' },
        }),
      }),
      { action: 'fail', code: 'VALIDATION_ERROR' },
    ));

  it('codes seen only in third-party clients fall back to the status class', () =>
    expectDecision(b({ status: 504, body: envelope('DISPATCH_TIMEOUT') }), {
      action: 'retry',
      rule: 'breeze#fallback-5xx',
    }));

  it('a 200 carrying an error envelope is not success', () =>
    expectDecision(b({ status: 200, body: envelope('BILLING_INSUFFICIENT_CREDITS') }), {
      action: 'fail',
      code: 'BILLING_INSUFFICIENT_CREDITS',
    }));
});
