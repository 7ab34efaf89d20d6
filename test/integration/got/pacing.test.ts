import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { isVendorError } from '../../../lib/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { startVendorSimulator, type Fault, type VendorSimulator } from '../../../lib/testing/index.js';

let simulator: VendorSimulator | undefined;
let pacing: Pacing | undefined;
afterEach(async () => {
  await pacing?.close();
  await simulator?.close();
  pacing = undefined;
  simulator = undefined;
});

const KEY = 'zh_pacing_test_key';

/** A ZenHire simulator whose submit endpoint suffers `fault`. */
async function zenhireWith(fault: Fault): Promise<VendorSimulator> {
  return startVendorSimulator({
    vendor: 'zenhire',
    apiKey: KEY,
    faultPlan: { faults: [{ ...fault, match: { endpoint: 'zenhire.submit' } }] },
  });
}
const submit = (client: typeof got, url: string) =>
  client.post(`${url}/api/v1/speech/analyze`, { headers: { 'x-api-key': KEY }, body: 'audio' }).json();

describe('the got adapter paced through createPacing()', () => {
  it('a storm at twice the real rate: every call succeeds, few 429s, nothing lost', async () => {
    // ZenHire enforcing 100 req/s (burst 5); the client is told 200 req/s.
    simulator = await zenhireWith({ kind: 'rate-limit', tokensPerSecond: 100, burst: 5 });
    pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 12_000, maxConcurrent: 50 } } });
    const client = got.extend(vendorResilience('zenhire', { pacing }));
    const calls = 150;
    const results = await Promise.allSettled(
      Array.from({ length: calls }, () => submit(client, simulator!.url)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const sent = simulator.requests().filter((r) => r.endpoint === 'zenhire.submit');
    const limited = sent.filter((r) => r.status === 429).length;
    expect(sent.filter((r) => r.status === 202).length).toBe(calls);
    expect(sent.length - limited).toBe(calls);
    // Unpaced, a 2× client would see about half its first wave refused; paced, a small share.
    expect(limited / sent.length).toBeLessThan(0.15);
  });

  it('a full outage costs about one request per call once the retry budget is spent', async () => {
    simulator = await zenhireWith({ kind: 'error', status: 503, code: 'UPSTREAM_DOWN' });
    // The test's own limits: the documented 500/min would make 200 calls take half a minute.
    pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 60_000, maxConcurrent: 20 } } });
    // Retry waits on a fake clock, so the retries that the budget still allows do not slow the test.
    const client = got.extend(vendorResilience('zenhire', { pacing, clock: fakeTime().clock }));
    const calls = 200;
    const errors: unknown[] = [];
    for (let i = 0; i < calls; i += 20) {
      const wave = await Promise.allSettled(Array.from({ length: 20 }, () => submit(client, simulator!.url)));
      for (const r of wave) if (r.status === 'rejected') errors.push(r.reason);
    }
    expect(errors).toHaveLength(calls);
    expect(errors.every(isVendorError)).toBe(true);
    const categories = new Set(errors.map((e) => (isVendorError(e) ? e.category : 'other')));
    expect(categories).toContain('budget_exhausted');
    const sent = simulator.requests().filter((r) => r.endpoint === 'zenhire.submit').length;
    expect(sent / calls).toBeLessThanOrEqual(1.2);
  });

  it('with pacing: false the same outage costs one request per allowed attempt', async () => {
    simulator = await zenhireWith({ kind: 'error', status: 503, code: 'UPSTREAM_DOWN' });
    const client = got.extend(vendorResilience('zenhire', { pacing: false, clock: fakeTime().clock }));
    await Promise.allSettled(Array.from({ length: 20 }, () => submit(client, simulator!.url)));
    const sent = simulator.requests().filter((r) => r.endpoint === 'zenhire.submit').length;
    expect(sent).toBe(20 * 4);
  });

  it('with no pacing option the default retry budget bounds the same outage', async () => {
    simulator = await zenhireWith({ kind: 'error', status: 503, code: 'UPSTREAM_DOWN' });
    // Its own clock: the default pacing for this clock is this test's alone (fresh budget).
    const { clock } = fakeTime();
    const client = got.extend(vendorResilience('zenhire', { clock }));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => submit(client, simulator!.url)),
    );
    const categories = results.map((r) =>
      r.status === 'rejected' && isVendorError(r.reason) ? r.reason.category : 'other',
    );
    expect(categories).toContain('budget_exhausted');
    const sent = simulator.requests().filter((r) => r.endpoint === 'zenhire.submit').length;
    expect(sent).toBeLessThan(20 * 2);
  });
});

describe('a backoff reason says what really holds other requests (issue 12)', () => {
  const firstBackoffReason = async (options: { pacing?: false }): Promise<string> => {
    simulator = await zenhireWith({
      kind: 'error',
      status: 429,
      code: 'RATE_LIMIT_EXCEEDED',
      retryAfterSeconds: 1,
      times: 1,
    });
    const reasons: string[] = [];
    const client = got.extend(
      vendorResilience('zenhire', {
        ...options,
        clock: fakeTime().clock,
        onDecision: ({ decision }) => {
          if (decision.action === 'backoff') reasons.push(decision.reason);
        },
      }),
    );
    await submit(client, simulator.url);
    expect(reasons).toHaveLength(1);
    return reasons[0] as string;
  };

  it('with the default pacing, the gate holds every request to the vendor', async () => {
    expect(await firstBackoffReason({})).toMatch(/and hold back every request to zenhire meanwhile\.$/);
  });

  it('with pacing: false, only the call itself waits, and the reason says so', async () => {
    const reason = await firstBackoffReason({ pacing: false });
    expect(reason).not.toMatch(/hold back every request/);
    expect(reason).toMatch(
      /only this call waits: pacing is off, so other requests to zenhire are not held back\.$/,
    );
  });
});
