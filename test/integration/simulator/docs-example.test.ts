// The simulator example of docs/testing.md, run as a test; the test below README_EXAMPLE_END checks they are identical.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { isVendorError } from '../../../lib/index.js';
import { presetJob, runVendorJob } from '../../../lib/adapters/got/index.js';
import {
  createManualClock,
  startVendorSimulator,
  type ManualClock,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

let clock: ManualClock;
let zenhire: VendorSimulator;

beforeEach(async () => {
  // Simulated time that moves by itself to the next wait: no test sits through a real second.
  clock = createManualClock(Date.parse('2026-04-21T12:00:00Z'), { autoAdvance: true });
  zenhire = await startVendorSimulator({
    vendor: 'zenhire',
    apiKey: 'zh_test',
    clock,
    faultPlan: {
      faults: [
        // The service is warming up for the first 60 s.
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
afterEach(async () => {
  clock.dispose();
  await zenhire.close();
});

const analyze = () =>
  presetJob('zenhire', {
    baseUrl: zenhire.url,
    submit: { headers: { 'x-api-key': 'zh_test' }, body: 'audio' },
  });

test('survives a warm-up and a poll rate limit', async () => {
  const startedAtMs = clock.now();
  // The same clock drives the library's waits: Retry-After, the poll schedule, the deadline.
  const result = await runVendorJob('zenhire', analyze(), { clock, deadlineMs: 10 * 60_000 });

  expect(result.body).toMatchObject({ status: 'success' });
  const seen = zenhire.requests().map((r) => `${r.method} ${r.status} ${r.code ?? ''}`.trim());
  expect(seen).toEqual([
    'POST 503 SERVICE_WARMING_UP',
    'POST 503 SERVICE_WARMING_UP',
    'POST 202',
    'GET 429 POLL_RATE_LIMITED',
    'GET 200',
    'GET 200',
  ]);
  // A minute of warm-up and ZenHire's 15 s polls passed on the simulated clock.
  expect(clock.now() - startedAtMs).toBeGreaterThanOrEqual(60_000);
  expect(zenhire.requests()[0]!.headers['x-api-key']).toBe('[REDACTED]');
});

test('gives up with a typed error when the key is wrong', async () => {
  const wrongKey = presetJob('zenhire', {
    baseUrl: zenhire.url,
    submit: { headers: { 'x-api-key': 'zh_wrong' }, body: 'audio' },
  });
  const error: unknown = await runVendorJob('zenhire', wrongKey, { clock }).catch((e: unknown) => e);

  expect(isVendorError(error) && error.vendorCode).toBe('INVALID_API_KEY');
  // Retried through the warm-up, never after the 401: that cannot succeed.
  expect(zenhire.requests().filter((r) => r.status === 401)).toHaveLength(1);
});

// README_EXAMPLE_END
// (Outside the snippet: imports are hoisted, wherever they stand.)
import { withLocalImports } from '../../support/local-imports.js';
test('docs/testing.md shows exactly this example (import paths aside)', () => {
  const doc = readFileSync(new URL('../../../docs/testing.md', import.meta.url), 'utf8');
  const block = /## Example: a jest test you can copy\n\n```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const example = self.slice(
    self.indexOf('import { afterEach'),
    self.indexOf('\n\n// README_EXAMPLE_END') + 1,
  );
  const local = block === undefined ? undefined : withLocalImports(block, 3);
  expect(local).toBe(example);
});
