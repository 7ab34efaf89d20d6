import { afterEach, describe, expect, test } from '@jest/globals';
import { createVendorEngine } from '../../../lib/core/default-engine.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { pacedCall } from './paced-fetch.js';
import { startLimitedServer, type LimitedServer } from './limited-server.js';

// The 20 req/s scaled ×10 so 200 calls take about a second instead of ten.
const REAL_PER_SEC = 200;
const CALLS = 200;

let server: LimitedServer | undefined;
let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  await server?.close();
  pacing = undefined;
  server = undefined;
});

async function storm(
  configuredPerMinute: number,
): Promise<{ results: string[]; limited: number; sent: number }> {
  server = await startLimitedServer({ ratePerSec: REAL_PER_SEC, burst: 10 });
  pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: configuredPerMinute } } });
  const pacer = pacing.pacer({ vendor: 'zenhire', limits: { requestsPerMinute: 500 } });
  const engine = createVendorEngine();
  const results = await Promise.all(
    Array.from({ length: CALLS }, () => pacedCall(server!.url, pacer, engine)),
  );
  const limited = server.log.filter((r) => r.status === 429).length;
  return { results, limited, sent: server.log.length };
}

describe('200 calls at once against a server enforcing 200 req/s with 429 + Retry-After', () => {
  test('configured at the real limit: all succeed, almost no 429s', async () => {
    const started = Date.now();
    const { results, limited, sent } = await storm(REAL_PER_SEC * 60);
    const elapsedMs = Date.now() - started;
    console.log(`right limit: ${sent} requests, ${limited} 429s, ${elapsedMs} ms`);
    expect(results).toHaveLength(CALLS);
    expect(results.every((body) => body.includes('"queued"'))).toBe(true);
    expect(server!.log.filter((r) => r.status === 202)).toHaveLength(CALLS);
    expect(limited / sent).toBeLessThan(0.03);
    expect(elapsedMs).toBeLessThan(6000); // ideal 1 s; generous for a loaded 2-core CI
  });

  test('configured at twice the real limit: all succeed, few 429s, nothing lost', async () => {
    const started = Date.now();
    const { results, limited, sent } = await storm(REAL_PER_SEC * 2 * 60);
    const elapsedMs = Date.now() - started;
    console.log(
      `2x limit: ${sent} requests, ${limited} 429s (${((100 * limited) / sent).toFixed(1)}%), ${elapsedMs} ms`,
    );
    expect(results).toHaveLength(CALLS);
    expect(server!.log.filter((r) => r.status === 202)).toHaveLength(CALLS);
    expect(sent).toBe(CALLS + limited);
    expect(limited / sent).toBeLessThan(0.1);
  });
});

describe('full outage', () => {
  test('every request 503: the retry budget keeps total requests ≤ 1.2 × calls', async () => {
    server = await startLimitedServer({ ratePerSec: REAL_PER_SEC, burst: 10, outage: true });
    pacing = createPacing();
    const pacer = pacing.pacer({ vendor: 'zenhire', limits: { maxConcurrent: 8 } });
    const exhausted: number[] = [];
    pacing.on('budgetExhausted', () => exhausted.push(1));
    const engine = createVendorEngine();
    const outcomes = await Promise.all(
      Array.from({ length: CALLS }, () =>
        pacedCall(server!.url, pacer, engine).then(
          () => 'ok',
          (error: Error) => error.message,
        ),
      ),
    );
    const sent = server.log.length;
    console.log(`outage: ${CALLS} calls, ${sent} requests (${(sent / CALLS).toFixed(2)} per call)`);
    expect(
      outcomes.every((o) => o.startsWith('budget_exhausted: The retry budget for zenhire is exhausted')),
    ).toBe(true);
    expect(sent).toBeLessThanOrEqual(1.2 * CALLS);
    expect(exhausted).toHaveLength(CALLS);
  });
});
