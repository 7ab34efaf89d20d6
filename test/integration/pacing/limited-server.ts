import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenBucket } from '../../../lib/testing/token-bucket.js';

/** A loopback vendor that enforces a rate with 429 + Retry-After (ZenHire's envelope), or is down. */
export interface LimitedServer {
  url: string;
  /**
   * Arrival time (ms) and status of every request, in order, with the client's own stamp of when
   * it started the request (an `x-started-at` header, epoch ms) where it sent one.
   */
  log: { atMs: number; status: number; startedAtMs?: number }[];
  close(): Promise<void>;
}

/** Options of {@link startLimitedServer}. */
export interface LimitedServerOptions {
  /** Requests per second the server accepts (token bucket). */
  ratePerSec: number;
  burst: number;
  /** Every request answers 503 without a Retry-After (a full outage). */
  outage?: boolean;
}

/** Starts the server on an OS-chosen loopback port. */
export async function startLimitedServer(options: LimitedServerOptions): Promise<LimitedServer> {
  const bucket = new TokenBucket(options.ratePerSec, options.burst, { now: () => Date.now() });
  const log: LimitedServer['log'] = [];
  const server: Server = createServer((request, response) => {
    // Stamped when the request arrives, before its body is read, to measure the client's pacing.
    const atMs = Date.now();
    if (request.url === '/warm-up') {
      // Lets a client load its HTTP stack before a measurement (the same exchange as an accepted
      // request); not logged, never limited.
      request.resume();
      request.on('end', () =>
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end('{"id":"warm","status":"queued"}'),
      );
      return;
    }
    const stamp = Number(request.headers['x-started-at']);
    const started = Number.isFinite(stamp) && stamp > 0 ? { startedAtMs: stamp } : {};
    request.resume();
    request.on('end', () => {
      if (options.outage) {
        log.push({ atMs, status: 503, ...started });
        response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      } else if (bucket.tryTake()) {
        log.push({ atMs, status: 202, ...started });
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end('{"id":"run_1","status":"queued"}');
      } else {
        const seconds = Math.max(1, Math.ceil(bucket.msUntilNextToken() / 1000));
        log.push({ atMs, status: 429, ...started });
        const error = { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', retryAfterSeconds: seconds };
        response
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(seconds) })
          .end(JSON.stringify({ error }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The largest number of requests in any window of `windowMs` (a sliding window over arrival times). */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
