// Memory and time bounds under a misbehaving vendor, across the public entry points: what a caller
// holds (bytes, listeners, open sockets) and how long it waits when a vendor sends too much, never
// stops, or never answers. A test that failed on the code it was written against says so, and why.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isVendorError } from '../../../lib/index.js';
import { runVendorJob, type VendorJobSpec } from '../../../lib/adapters/got/index.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { decision } from '../../unit/pacing/helpers.js';
import { runBatch } from '../../../lib/cli/batch.js';
import { createVendorEngine } from '../../../lib/core/default-engine.js';
import { loopbackResources } from '../got/helpers/loopback.js';

const loopback = loopbackResources();
afterEach(() => loopback.closeAll());

const MiB = 1024 * 1024;
/** V8's full collection, exposed to this file (the heap is measured after one). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes held on the heap and in buffers after a full collection. */
function retainedBytes(): number {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job on `url`: POST /submit answers the job id, GET /poll/<id> its state. */
const jobSpec = (url: string): VendorJobSpec => ({
  submit: () => ({ url: `${url}/submit`, options: { method: 'POST', json: {} } }),
  jobId: (body) => (body as { id?: string }).id,
  poll: (id) => ({ url: `${url}/poll/${id}` }),
});

/**
 * Writes `totalBytes` of `fill` to `socket` as fast as the reader takes them (backpressure kept),
 * counting what the socket accepted until it closed; resolves to that count.
 */
function pour(socket: Socket, fill: number, totalBytes: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, fill);
  let written = 0;
  return new Promise((resolve) => {
    let closed = false;
    socket.once('close', () => {
      closed = true;
      resolve(written);
    });
    socket.on('error', () => undefined);
    const more = (): void => {
      while (!closed && written < totalBytes) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', more);
          return;
        }
      }
      if (!closed && written >= totalBytes) socket.end();
    };
    more();
  });
}

describe('runVendorJob (got): an error reply far larger than the engine reads', () => {
  it('reads the start of a 256 MiB 500 body, not all of it, and closes its connection', async () => {
    let poured: Promise<number> | undefined;
    const url = await loopback.serve((req, res) => {
      req.resume();
      // Raw bytes on the socket: a 500 with a body of 256 MiB, sent as fast as the client reads.
      const socket = res.socket as Socket;
      socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n');
      socket.write(`content-length: ${256 * MiB}\r\nconnection: close\r\n\r\n`);
      poured = pour(socket, 0x61, 256 * MiB);
    });
    // The manual clock never lets ERROR_BODY_WAIT_MS pass: only a bound on bytes can end the read.
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const job = runVendorJob('zenhire', jobSpec(url), { clock, pacing: false, deadlineMs: 60_000 });
      const outcome = job.catch((error: unknown) => error);
      while (poured === undefined) await realDelay(5);
      const written = await poured;
      // The socket's and the kernel's buffers hold a few MiB; the client must not have read the rest.
      expect(written).toBeLessThan(32 * MiB);
      // A 500 is retried by the engine: the call goes on (its next try waits on the manual clock).
      clock.advance(60_000);
      const error = await outcome;
      expect(isVendorError(error)).toBe(true);
    } finally {
      clock.dispose();
    }
  });
});

describe('explain --batch: a line that never ends', () => {
  it('holds a bounded amount of it (not the whole line) and reports it as too long', async () => {
    // 96 MiB of one line with no newline, then a good line: the good line must still be decided.
    const lineBytes = 96 * MiB;
    const piece = Buffer.alloc(1 * MiB, 0x61);
    let sent = 0;
    let peakGrowth = 0;
    const base = retainedBytes();
    const input = new Readable({
      read() {
        // What is still held after a full collection, every 8 MiB of the line.
        if (sent % (8 * MiB) === 0) peakGrowth = Math.max(peakGrowth, retainedBytes() - base);
        if (sent < lineBytes) {
          sent += piece.length;
          this.push(piece);
          return;
        }
        this.push('\n{"vendor":"zenhire","status":503}\n');
        this.push(null);
      },
    });
    let text = '';
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const bad = await runBatch(createVendorEngine(), input, output);
    const lines = text.split('\n').filter((line) => line !== '');
    expect(bad).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/line 1: longer than/);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ action: expect.any(String) });
    expect(peakGrowth).toBeLessThan(48 * MiB);
  });
});

describe('pacing: a long queue costs time in proportion to its length', () => {
  // Each call queued, and each call started, asked the limiter for slots by counting the waiting
  // calls per weight over the whole queue: queueing n calls (and draining them) took time in n².
  it('30 000 calls queued behind maxConcurrent 1 are queued and run within 4 s', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const pacing = createPacing({ retryBudget: false, clock });
    try {
      const pacer = pacing.pacer({ vendor: 'acme', limits: { maxConcurrent: 1 } });
      let release = (): void => undefined;
      const first = pacer.schedule(() => new Promise<void>((resolve) => (release = resolve)));
      while (pacer.counts().running === 0) await realDelay(1);
      const started = performance.now();
      let ran = 0;
      const calls = Array.from({ length: 30_000 }, () => pacer.schedule(async () => ran++));
      expect(pacer.counts().queued).toBe(30_000);
      release();
      await first;
      await Promise.all(calls);
      const elapsedMs = performance.now() - started;
      expect(ran).toBe(30_000);
      expect(elapsedMs).toBeLessThan(4_000);
    } finally {
      await pacing.close();
      clock.dispose();
    }
  }, 120_000);

  // One abort listener per queued call on the caller's signal: an adapter hands every call the
  // same signal (its `signal` option, when no deadline is set), and adding (or removing) a
  // listener to an AbortSignal walks the ones it already has, so 50 000 queued calls took time in n².
  it('50 000 calls behind a closed gate on one signal are queued, then aborted, within 3 s, and freed', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const pacing = createPacing({ retryBudget: false, clock });
    try {
      const pacer = pacing.pacer({ vendor: 'acme' });
      const gate = decision({
        action: 'backoff',
        category: 'rate_limited',
        code: 'RATE_LIMIT_EXCEEDED',
        delayMs: 60_000,
        delaySource: 'header',
        retryAfterMs: 60_000,
      });
      await pacer.record(gate);
      const controller = new AbortController();
      const base = retainedBytes();
      const started = performance.now();
      let rejected = 0;
      const calls = Array.from({ length: 50_000 }, () =>
        pacer.schedule(async () => 'sent', { signal: controller.signal }).catch(() => rejected++),
      );
      expect(pacer.counts().queued).toBe(50_000);
      controller.abort(new Error('shutting down'));
      await Promise.all(calls);
      const elapsedMs = performance.now() - started;
      expect(rejected).toBe(50_000);
      expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
      expect(elapsedMs).toBeLessThan(3_000);
      calls.length = 0;
      expect(retainedBytes() - base).toBeLessThan(4 * MiB);
    } finally {
      await pacing.close();
      clock.dispose();
    }
  }, 120_000);
});
