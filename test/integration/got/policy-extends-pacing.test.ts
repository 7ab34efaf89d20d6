import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import got from 'got';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import {
  startVendorSimulator,
  type RecordedRequest,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

/**
 * Issue 15 item 5: a paid plan's limits without copying the policy. A policy file that `extends`
 * zenhire and gives only `limits` is what a got client and `createPacing()` pace by, against the
 * simulator: the new rate (not zenhire's documented 500/min) and the new concurrency (not 8).
 */

const KEY = 'zh_extends_test_key';

let dir = '';
let simulator: VendorSimulator | undefined;
let pacing: Pacing | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-extends-pacing-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await pacing?.close();
  await simulator?.close();
  pacing = undefined;
  simulator = undefined;
});

/** A policy file extending zenhire with these limits. */
function paidPlan(name: string, limits: object): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ extends: 'zenhire', limits: { ...limits, source: 'our plan' } }));
  return file;
}

async function submitAll(policyFile: string, calls: number): Promise<RecordedRequest[]> {
  pacing = createPacing({ keepProcessAlive: false });
  const client = got.extend(vendorResilience(policyFile, { pacing }));
  const url = simulator?.url ?? '';
  await Promise.all(
    Array.from({ length: calls }, () =>
      client.post(`${url}/api/v1/speech/analyze`, { headers: { 'x-api-key': KEY }, body: 'audio' }).json(),
    ),
  );
  const sent = simulator?.requests().filter((r) => r.endpoint === 'zenhire.submit') ?? [];
  expect(sent.map((r) => r.status)).toEqual(Array.from({ length: calls }, () => 202));
  return sent;
}

/** Most requests the simulator held at once (from arrival to answer). */
function peakInFlight(sent: readonly RecordedRequest[]): number {
  let peak = 0;
  for (const a of sent) {
    const overlapping = sent.filter(
      (b) => b.receivedAtMs <= a.receivedAtMs && a.receivedAtMs < (b.answeredAtMs ?? Infinity),
    ).length;
    peak = Math.max(peak, overlapping);
  }
  return peak;
}

describe('a got client under a policy that extends zenhire with paid-plan limits', () => {
  it('paces at the new rate: 3000/min, not the documented 500/min', async () => {
    simulator = await startVendorSimulator({ vendor: 'zenhire', apiKey: KEY });
    const sent = await submitAll(paidPlan('rate.json', { requestsPerMinute: 3000 }), 16);
    const arrivals = sent.map((r) => r.receivedAtMs).sort((a, b) => a - b);
    const spanMs = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
    // 15 gaps of 20 ms (a start may come up to 5 ms early); at 500/min they would be 120 ms each.
    expect(spanMs).toBeGreaterThanOrEqual(15 * 15);
    expect(spanMs).toBeLessThan(15 * 120);
  });

  it('holds the new concurrency: 2 at once, not 8', async () => {
    simulator = await startVendorSimulator({
      vendor: 'zenhire',
      apiKey: KEY,
      faultPlan: { faults: [{ kind: 'latency', delayMs: 60, match: { endpoint: 'zenhire.submit' } }] },
    });
    const sent = await submitAll(paidPlan('slots.json', { requestsPerMinute: 60_000, maxConcurrent: 2 }), 8);
    expect(peakInFlight(sent)).toBe(2);
  });
});
