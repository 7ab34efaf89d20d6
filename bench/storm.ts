import { writeFileSync } from 'node:fs';
import got, { type Got } from 'got';
import pRetry from 'p-retry';
import { vendorResilience } from '../lib/adapters/got/index.js';
import { resetDefaultPacing } from '../lib/pacing/default-pacing.js';
import { createPacing } from '../lib/pacing/index.js';
import { startVendorSimulator, type VendorSimulator } from '../lib/testing/index.js';
import { settledHeapMb } from './memory.js';
import { median, type BenchRow } from './stats.js';
import { renderStormTimeline, type TimelineRequest } from './storm-timeline.js';

/** The storm: CALLS calls at once into a ZenHire whose submits take RATE_PER_S (burst BURST). */
export const CALLS = 500;
export const RATE_PER_S = 50;
export const BURST = 10;
/** The fastest any client can finish: the burst at once, then one request per token. */
export const IDEAL_S = (CALLS - BURST) / RATE_PER_S;
/** The API key every storm client sends. */
export const KEY = 'zh_bench_key';

/** One storm's outcome for one client. */
interface StormResult {
  seconds: number;
  requests: number;
  limited: number;
  /** 429s among requests sent more than 1 s after the storm began. */
  limitedAfterFirstSecond: number;
  failedCalls: number;
  /** Diagnostics of the paced clients: how often the vendor-wide gate closed, and the last adapted rate. */
  gateClosures?: number;
  finalRatePerSec?: number | undefined;
  /** Every submit the vendor saw, ms after the storm began: what bench/storm-timeline.svg draws. */
  timeline: TimelineRequest[];
}

type Client = (url: string) => Promise<unknown>;

/** The storm's vendor: a ZenHire simulator whose submits are behind the token bucket. */
export function startStormVendor(): Promise<VendorSimulator> {
  return startVendorSimulator({
    vendor: 'zenhire',
    apiKey: KEY,
    faultPlan: {
      faults: [
        {
          kind: 'rate-limit',
          tokensPerSecond: RATE_PER_S,
          burst: BURST,
          match: { endpoint: 'zenhire.submit' },
        },
      ],
    },
  });
}

async function storm(client: Client): Promise<StormResult> {
  const simulator = await startStormVendor();
  try {
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: CALLS }, () => client(simulator.url)));
    const seconds = (Date.now() - started) / 1000;
    const sent = simulator.requests().filter((r) => r.endpoint === 'zenhire.submit');
    const limited = sent.filter((r) => r.status === 429);
    return {
      seconds,
      requests: sent.length,
      limited: limited.length,
      limitedAfterFirstSecond: limited.filter((r) => r.receivedAtMs - started > 1000).length,
      failedCalls: results.filter((r) => r.status === 'rejected').length,
      timeline: sent.map((r) => ({ atMs: r.receivedAtMs - started, status: r.status })),
    };
  } finally {
    await simulator.close();
  }
}

const post = (client: Got, url: string) =>
  client.post(`${url}/api/v1/speech/analyze`, { headers: { 'x-api-key': KEY }, body: 'audio' }).text();

/** vendor-resilience with pacing told `requestsPerMinute` (the real limit, or more). */
async function pacedStorm(requestsPerMinute: number): Promise<StormResult> {
  const pacing = createPacing({ vendors: { zenhire: { requestsPerMinute, maxConcurrent: 100 } } });
  const client = got.extend(vendorResilience('zenhire', { pacing }));
  let gateClosures = 0;
  let gateOpenAtMs = 0;
  let finalRatePerSec: number | undefined;
  pacing.on('gateClosed', ({ openAtMs }) => {
    if (Date.now() >= gateOpenAtMs) gateClosures += 1; // not an extension by a 429 already in flight
    gateOpenAtMs = Math.max(gateOpenAtMs, openAtMs);
  });
  pacing.on('rateChanged', ({ requestsPerSecond }) => (finalRatePerSec = requestsPerSecond));
  try {
    return { ...(await storm((url) => post(client, url))), gateClosures, finalRatePerSec };
  } finally {
    await pacing.close();
  }
}

/** The README's first snippet as it is: no options at all (the process's default pacing). */
async function zeroConfigStorm(): Promise<StormResult> {
  // A fresh process would start with no gate or learned rate: so does each run.
  await resetDefaultPacing();
  const client = got.extend(vendorResilience('zenhire'));
  return storm((url) => post(client, url));
}

/** got's own retry, given room to finish: POST retried, a high limit, Retry-After honoured. */
function gotRetryStorm(): Promise<StormResult> {
  const client = got.extend({
    retry: { limit: 50, methods: ['POST'], statusCodes: [429], maxRetryAfter: 60_000 },
  });
  return storm((url) => post(client, url));
}

/** p-retry around got, status-only: retry anything that failed, p-retry's default backoff. */
function pRetryStorm(): Promise<StormResult> {
  const client = got.extend({ retry: { limit: 0 } });
  return storm((url) =>
    pRetry(() => post(client, url), { retries: 10, minTimeout: 1000, factor: 2, randomize: true }),
  );
}

interface StormTargets {
  time: string;
  limited: string;
  /** Whether one run meets the time target; the scenario meets it when most runs do. */
  timeMet: (r: StormResult) => boolean;
  limitedMet: (r: StormResult) => boolean;
}

/** The run whose completion time is the median: the one the table details and the timeline draws. */
function typicalRun(runs: StormResult[]): StormResult {
  const ratios = runs.map((r) => r.seconds / IDEAL_S);
  return (
    runs[ratios.indexOf([...ratios].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? median(ratios))] ??
    runs[0]!
  );
}

function rowsFor(name: string, runs: StormResult[], target: StormTargets): BenchRow[] {
  const ratio = median(runs.map((r) => r.seconds / IDEAL_S));
  const share = median(runs.map((r) => r.limited / r.requests));
  const typical = typicalRun(runs);
  const pacingDetail =
    typical.gateClosures === undefined
      ? ''
      : `, gate closed ${typical.gateClosures}×, last rate ${typical.finalRatePerSec?.toFixed(1) ?? 'as configured'}/s`;
  const detail = `${CALLS} calls at once, ${RATE_PER_S} req/s bucket (burst ${BURST}), ideal ${IDEAL_S} s; median run: ${typical.seconds.toFixed(2)} s, ${typical.requests} requests, ${typical.limited} × 429 (${typical.limitedAfterFirstSecond} after the first second), ${typical.failedCalls} calls failed${pacingDetail}; ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const most = (met: (r: StormResult) => boolean): boolean => runs.filter(met).length > runs.length / 2;
  return [
    {
      scenario: `3. storm, ${name}`,
      metric: 'completion ÷ ideal',
      value: ratio,
      unit: '×',
      target: target.time,
      met: most(target.timeMet),
      detail,
    },
    {
      scenario: `3. storm, ${name}`,
      metric: 'share of requests answered 429',
      value: share,
      unit: 'share',
      target: target.limited,
      met: most(target.limitedMet),
      detail: 'same runs',
    },
  ];
}

/** Rows (b) and (e): ≤ 1.3 × ideal with no call failed, ≤ 5% of requests answered 429. */
const WITHIN_1_3: StormTargets = {
  time: '≤ 1.3',
  limited: '≤ 0.05',
  timeMet: (r) => r.seconds / IDEAL_S <= 1.3 && r.failedCalls === 0,
  limitedMet: (r) => r.limited / r.requests <= 0.05,
};

const FOR_SCALE: StormTargets = {
  time: 'for scale',
  limited: 'for scale',
  timeMet: () => true,
  limitedMet: () => true,
};

/** Draws each client's median run to bench/storm-timeline.svg (next to results.json, from dist/bench/). */
function writeStormTimeline(typical: [name: string, run: StormResult][]): void {
  const svg = renderStormTimeline(
    typical.map(([name, run]) => ({ name, completionSeconds: run.seconds, requests: run.timeline })),
    {
      bucketMs: 100,
      idealSeconds: IDEAL_S,
      limitPerSecond: RATE_PER_S,
      // 4× the vendor's 5 per 100 ms: the paced lanes stay readable, the retry bursts are cut and marked.
      capPerBucket: 20,
      title: `Storm: ${CALLS} POSTs at once against ZenHire's ${RATE_PER_S} req/s (burst ${BURST}), the median run of each client`,
    },
  );
  writeFileSync(new URL('../../bench/storm-timeline.svg', import.meta.url), svg);
  console.error('  wrote bench/storm-timeline.svg');
}

/** Scenario 3, plus the heap after the storms (scenario 7). */
export async function benchStorm(runs: number): Promise<BenchRow[]> {
  const heapBefore = settledHeapMb();
  const configured: StormResult[] = [];
  const doubled: StormResult[] = [];
  const gotRetry: StormResult[] = [];
  const pRetried: StormResult[] = [];
  const zeroConfig: StormResult[] = [];
  for (let i = 0; i < runs; i++) {
    configured.push(await pacedStorm(RATE_PER_S * 60));
    doubled.push(await pacedStorm(RATE_PER_S * 120));
    zeroConfig.push(await zeroConfigStorm());
  }
  await resetDefaultPacing();
  gotRetry.push(await gotRetryStorm());
  pRetried.push(await pRetryStorm());
  const clients: [name: string, runs: StormResult[], target: StormTargets][] = [
    [
      '(a) vendor-resilience, limit configured',
      configured,
      {
        time: '≤ 1.05',
        limited: '0 after the first second',
        timeMet: (r) => r.seconds / IDEAL_S <= 1.05 && r.failedCalls === 0,
        limitedMet: (r) => r.limitedAfterFirstSecond === 0,
      },
    ],
    ['(b) vendor-resilience, configured at 2×', doubled, WITHIN_1_3],
    ['(e) vendor-resilience, no options at all', zeroConfig, WITHIN_1_3],
    // The baselines run once each: at 17–28 s a run, three would push the bench past 5 minutes.
    ["(c) got's built-in retry", gotRetry, FOR_SCALE],
    ['(d) p-retry around got', pRetried, FOR_SCALE],
  ];
  const rows = clients.flatMap(([name, results, target]) => rowsFor(name, results, target));
  writeStormTimeline(clients.map(([name, results]) => [name, typicalRun(results)]));
  // The heap row measures the library: the runs' request lists are the bench's own data, so let them go.
  for (const [, results] of clients) results.length = 0;
  const heapGrowth = settledHeapMb() - heapBefore;
  return [
    ...rows,
    {
      scenario: '7. memory, after the storms',
      metric: 'heap growth once all calls are done',
      value: heapGrowth,
      unit: 'MB',
      target: 'no growth with calls',
      met: heapGrowth < 5,
      detail: `${(runs * 3 + 2) * CALLS} calls; heap after a forced GC before and after`,
    },
  ];
}
