// The README's simulator example, run as a test; the test below README_EXAMPLE_END checks they are identical.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  createManualClock,
  startVendorSimulator,
  type ManualClock,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

let clock: ManualClock;
let zenhire: VendorSimulator;

beforeEach(async () => {
  clock = createManualClock(Date.parse('2026-04-21T12:00:00Z'));
  zenhire = await startVendorSimulator({
    vendor: 'zenhire',
    apiKey: 'zh_test',
    clock,
    faultPlan: {
      faults: [
        // The service is warming up for the first 60 s (simulated, no real waiting).
        { kind: 'warm-up', durationMs: 60_000, retryAfterSeconds: 30, match: { endpoint: 'zenhire.submit' } },
        // The first poll answers 429 POLL_RATE_LIMITED (once: `times: 1`).
        {
          kind: 'error',
          code: 'POLL_RATE_LIMITED',
          retryAfterSeconds: 10,
          times: 1,
          match: { phase: 'poll' },
        },
      ],
    },
  });
});
afterEach(() => zenhire.close());

/** Your code under test: here a tiny hand-written client that honours Retry-After. */
async function analyze(baseUrl: string, wait: (seconds: number) => void): Promise<unknown> {
  const headers = { 'x-api-key': 'zh_test' };
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/speech/analyze`, { method: 'POST', body: 'audio', headers });
    if (res.status === 202) {
      const { id } = (await res.json()) as { id: string };
      for (;;) {
        const poll = await fetch(`${baseUrl}/api/v1/speech/analyze/${id}`, { headers });
        const body = (await poll.json()) as { status?: string };
        if (body.status === 'success' || body.status === 'failed') return body;
        wait(Number(poll.headers.get('retry-after') ?? 15));
      }
    }
    await res.arrayBuffer();
    wait(Number(res.headers.get('retry-after') ?? 30));
  }
}

test('survives a warm-up and a poll rate limit', async () => {
  const result = await analyze(zenhire.url, (seconds) => clock.advance(seconds * 1000));

  expect(result).toMatchObject({ status: 'success' });
  const seen = zenhire.requests().map((r) => `${r.method} ${r.status} ${r.code ?? ''}`.trim());
  expect(seen).toEqual([
    'POST 503 SERVICE_WARMING_UP',
    'POST 503 SERVICE_WARMING_UP',
    'POST 202',
    'GET 429 POLL_RATE_LIMITED',
    'GET 200',
    'GET 200',
  ]);
  expect(zenhire.requests()[0]!.headers['x-api-key']).toBe('[REDACTED]');
});

// README_EXAMPLE_END
test('the README shows exactly this example (import path aside)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const block = /### Example: a jest test you can copy\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const example = self.slice(
    self.indexOf('import { afterEach'),
    self.indexOf('\n\n// README_EXAMPLE_END') + 1,
  );
  expect(block?.replace("'vendor-resilience/testing'", "'../../../lib/testing/index.js'")).toBe(example);
});
