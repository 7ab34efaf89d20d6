import got, { type Got } from 'got';
import { vendorResilience } from '../lib/adapters/got/index.js';
import type { Clock } from '../lib/index.js';
import { createPacing } from '../lib/pacing/index.js';
import { sleep } from '../lib/run/sleep.js';
import { startVendorSimulator } from '../lib/testing/index.js';
import type { BenchRow } from './stats.js';

const CALLS = 1000;
const WAVE = 50;

/** Sends `CALLS` calls in waves against a vendor answering every request 503; resolves to requests per call. */
async function outage(post: (url: string) => Promise<unknown>): Promise<number> {
  const simulator = await startVendorSimulator({
    vendor: 'zenhire',
    apiKey: 'zh_bench',
    faultPlan: {
      faults: [{ kind: 'error', status: 503, code: 'UPSTREAM_DOWN', match: { endpoint: 'zenhire.submit' } }],
    },
  });
  try {
    for (let i = 0; i < CALLS; i += WAVE) {
      await Promise.allSettled(Array.from({ length: WAVE }, () => post(simulator.url)));
    }
    return simulator.requests().filter((r) => r.endpoint === 'zenhire.submit').length / CALLS;
  } finally {
    await simulator.close();
  }
}

const submit = (client: Got, url: string) =>
  client.post(`${url}/api/v1/speech/analyze`, { headers: { 'x-api-key': 'zh_bench' }, body: 'audio' }).text();

/** The wall clock, on which a wait a call awaits passes at once (housekeeping, unref'd waits run on real timers). */
const instantWaits: Clock = {
  now: () => Date.now(),
  sleep: (delayMs, options = {}) => (options.unref ? sleep(delayMs, options) : Promise.resolve()),
};

/**
 * Scenario 5: every request 503. Requests per call is a count, not a time, so both sides wait
 * 0 ms between tries here: the number of tries each makes is what is compared.
 */
export async function benchOutage(): Promise<BenchRow[]> {
  const pacing = createPacing({ vendors: { zenhire: { requestsPerMinute: 600_000, maxConcurrent: WAVE } } });
  const resilient = got.extend(vendorResilience('zenhire', { pacing, clock: instantWaits }));
  const withBudget = await outage((url) => submit(resilient, url)).finally(() => pacing.close());
  const gotRetry = got.extend({
    retry: {
      limit: 2,
      methods: ['POST'],
      calculateDelay: ({ computedValue }) => (computedValue > 0 ? 1 : 0),
    },
  });
  const plain = await outage((url) => submit(gotRetry, url));
  return [
    {
      scenario: '5. outage amplification',
      metric: 'requests sent per call, vendor-resilience with its retry budget',
      value: withBudget,
      unit: '/call',
      target: '≤ 1.2',
      met: withBudget <= 1.2,
      detail: `${CALLS} calls in waves of ${WAVE}, every submit answered 503; one run (a count, not a timing)`,
    },
    {
      scenario: '5. outage amplification',
      metric: "requests sent per call, got's built-in retry (POST allowed, default limit 2)",
      value: plain,
      unit: '/call',
      target: 'for scale',
      met: true,
      detail: 'same workload',
    },
  ];
}
