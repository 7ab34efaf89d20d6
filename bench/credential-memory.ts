import { once } from 'node:events';
import { Agent } from 'node:http';
import { Worker } from 'node:worker_threads';
import got, { type Got } from 'got';
import { vendorResilience } from '../lib/adapters/got/index.js';
import { defaultPacing } from '../lib/pacing/default-pacing.js';
import { createManualClock, type ManualClock } from '../lib/testing/clock.js';
import { settledHeapMb } from './memory.js';
import type { BenchRow } from './stats.js';

const BODY = JSON.stringify({ id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });
const IN_FLIGHT = 50;
/** The default pacing drops a pacer idle this long (`PacingOptions.idleExpiryMs`). */
const IDLE_EXPIRY_MS = 10 * 60_000;

/**
 * A loopback server answering every request 202 with a small JSON body, in a worker thread: it
 * runs on the other core, and its heap is not the one measured (`heapUsed` is this thread's).
 */
async function startServer(): Promise<{ port: number; close(): Promise<number> }> {
  const worker = new Worker(
    `const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = ${JSON.stringify(BODY)};
const server = createServer((_req, res) => {
  res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const [port] = (await once(worker, 'message')) as [number];
  return { port, close: () => worker.terminate() };
}

/** One submit per credential (`x-api-key`, zenhire's key header), `IN_FLIGHT` at a time. */
async function callEach(client: Got, url: string, prefix: string, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await client.post(url, { headers: { 'x-api-key': `zh_${prefix}_${i}` }, body: 'audio' }).text();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Moves the clock past the idle expiry, letting the pacing's sweep (a wait on this clock) run. */
async function idlePastExpiry(clock: ManualClock): Promise<void> {
  await clock.advanceAsync(IDLE_EXPIRY_MS + 60_000);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * 100 000 distinct credentials, one call each, then idle past the eviction time: the default
 * pacing holds one pacer per vendor and credential, and must let them all go once idle. Real
 * HTTP calls (got + vendorResilience, no `pacing` option) to a loopback server; the adapter's own
 * manual clock puts its default pacing on that clock, so the 10 idle minutes pass at once.
 */
export async function benchCredentialMemory(credentials: number): Promise<BenchRow> {
  const server = await startServer();
  const url = `http://127.0.0.1:${server.port}/api/v1/speech/analyze`;
  const clock = createManualClock(Date.now());
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let client: Got | undefined = got.extend(
    { agent: { http: agent } },
    vendorResilience('zenhire', { clock }),
  );
  const started = Date.now();
  try {
    // Warm-up, evicted too: code and caches a first call makes count in the baseline, not the growth.
    await callEach(client, url, 'warm', 2000);
    await idlePastExpiry(clock);
    const baseline = settledHeapMb();
    await callEach(client, url, 'key', credentials);
    const held = settledHeapMb();
    // The pacer of the first credential, to check below that the sweep really dropped it.
    const firstKey = { vendor: 'zenhire', credential: 'zh_key_0' };
    const first = defaultPacing(clock).pacer(firstKey);
    await idlePastExpiry(clock);
    const evicted = settledHeapMb();
    const waitsLeft = clock.pendingWaits();
    const dropped1st = defaultPacing(clock).pacer(firstKey) !== first;
    client = undefined;
    agent.destroy();
    const dropped = settledHeapMb();
    const growth = evicted - baseline;
    const perCredentialKb = ((held - baseline) * 1024) / credentials;
    const seconds = (Date.now() - started) / 1000;
    return {
      scenario: `7. memory, ${credentials.toLocaleString('en').replace(/,/g, ' ')} credentials`,
      metric: `heap growth after ${credentials} credentials went idle`,
      value: growth,
      unit: 'MB',
      target: '≤ 5 MB after eviction',
      met: growth <= 5 && dropped1st,
      detail: `one call per distinct x-api-key through the default pacing, ${IN_FLIGHT} in flight, keep-alive, in ${seconds.toFixed(0)} s; heap after a forced GC: ${baseline.toFixed(1)} MB before, ${held.toFixed(1)} MB with the pacers held (+${(held - baseline).toFixed(1)}, ${perCredentialKb.toFixed(1)} KB a credential), ${evicted.toFixed(1)} MB once the clock passed the ${IDLE_EXPIRY_MS / 60_000}-minute idle expiry (${dropped1st ? 'pacers dropped' : 'first pacer NOT dropped'}, ${waitsLeft} waits left on the clock), ${dropped.toFixed(1)} MB with the client dropped`,
    };
  } finally {
    clock.dispose();
    agent.destroy();
    await server.close();
  }
}
