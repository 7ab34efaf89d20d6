import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:http';
import got, { type Got } from 'got';
import { vendorResilience } from '../lib/adapters/got/index.js';
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

/** Sends `total` requests with `concurrency` in flight; resolves to requests per second. */
async function throughput(client: Got, url: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await client.post(url, { body: 'x' }).text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

/**
 * Overhead with no faults: got + vendor-resilience against plain got, same keep-alive agent
 * settings, 50 in flight. The sides alternate in short batches and each batch pair gives one
 * ratio (the median is reported): on a shared 2-core machine the speed of the machine drifts by
 * ±10% over seconds, and a pair of neighbouring batches sees the same drift.
 */
export async function benchOverhead(runs: number, total: number): Promise<BenchRow> {
  const server = await startServer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/speech/analyze`;
  const agent = () => ({ http: new Agent({ keepAlive: true, maxSockets: 50 }) });
  const plain = got.extend({ agent: agent(), retry: { limit: 0 } });
  const resilient = got.extend({ agent: agent() }, vendorResilience('zenhire'));
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
      scenario: '1. overhead, no faults',
      metric: 'throughput vs plain got',
      value: ratio,
      unit: '×',
      target: '≥ 0.97',
      met: ratio >= 0.97,
      detail: `${runs} alternating batches of ${total} POSTs per side, 50 concurrent keep-alive; median ratio of neighbouring batches (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}): plain got ${Math.round(median(plainRps))} req/s, with vendor-resilience ${Math.round(median(resilientRps))} req/s`,
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
  }
}
