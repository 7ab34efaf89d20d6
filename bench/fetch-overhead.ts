import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resilientFetch, type FetchFunction } from '../lib/adapters/fetch/index.js';
import { median, type BenchRow } from './stats.js';

const BODY = JSON.stringify({ id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });

function startServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends `total` POSTs with `concurrency` in flight through `fetch`; resolves to requests per second. */
async function throughput(
  fetch: FetchFunction,
  url: string,
  total: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await (await fetch(url, { method: 'POST', body: 'x' })).text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

/**
 * Overhead with no faults, fetch edition: `resilientFetch('zenhire')` (default pacing on) against
 * plain `globalThis.fetch`, both on Node's global keep-alive dispatcher, 50 in flight. As in
 * overhead.ts, the sides alternate in short batches and the median ratio of neighbouring batches
 * is reported (the machine's speed drifts over seconds).
 */
export async function benchFetchOverhead(runs: number, total: number): Promise<BenchRow> {
  const server = await startServer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/speech/analyze`;
  const plain: FetchFunction = (input, init) => globalThis.fetch(input, init);
  const resilient = resilientFetch('zenhire');
  try {
    await throughput(plain, url, 2000, 50);
    await throughput(resilient, url, 2000, 50);
    const ratios: number[] = [];
    const plainRps: number[] = [];
    const resilientRps: number[] = [];
    for (let i = 0; i < runs; i++) {
      const p = await throughput(plain, url, total, 50);
      const r = await throughput(resilient, url, total, 50);
      plainRps.push(p);
      resilientRps.push(r);
      ratios.push(r / p);
    }
    const ratio = median(ratios);
    return {
      scenario: '1b. overhead, no faults (fetch)',
      metric: 'throughput vs plain fetch',
      value: ratio,
      unit: '×',
      target: '≥ 0.97',
      met: ratio >= 0.97,
      detail: `${runs} alternating batches of ${total} POSTs per side, 50 concurrent keep-alive (Node's global dispatcher); median ratio of neighbouring batches (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}): plain fetch ${Math.round(median(plainRps))} req/s, resilientFetch ${Math.round(median(resilientRps))} req/s`,
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
  }
}
