// Memory and time bounds under a misbehaving vendor, across the public entry points: what a caller
// holds (bytes, listeners, open sockets) and how long it waits when a vendor sends too much, never
// stops, or never answers. A test that failed on the code it was written against says so, and why.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isVendorError } from '../../../lib/index.js';
import { readVendorMessages, runVendorJob, type VendorJobSpec } from '../../../lib/adapters/got/index.js';
import { resilientFetch, runVendorJob as runFetchJob } from '../../../lib/adapters/fetch/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '../../../lib/testing/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { decision } from '../../unit/pacing/helpers.js';
import { redisTestsEnabled, startRedisServer } from '../pacing/redis-server.js';
import { runBatch } from '../../../lib/cli/batch.js';
import { ndjsonLines } from '../../../lib/adapters/got/ndjson-lines.js';
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

describe('runVendorJob (got): a compressed error reply far larger than the engine reads', () => {
  it('a gzip 500 body of 256 MiB is not read whole either (its bytes are counted, not kept)', async () => {
    let poured: Promise<number> | undefined;
    // Random bytes do not compress: the gzip stream is as long as what it carries.
    const noise = randomBytes(1 * MiB);
    const url = await loopback.serve((req, res) => {
      req.resume();
      const socket = res.socket as Socket;
      socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n');
      socket.write('content-encoding: gzip\r\nconnection: close\r\n\r\n');
      const gzip = createGzip({ level: 1 });
      let written = 0;
      poured = new Promise((resolve) => {
        socket.once('close', () => resolve(written));
        socket.on('error', () => undefined);
        gzip.on('data', (chunk: Buffer) => {
          written += chunk.length;
          if (!socket.write(chunk)) {
            gzip.pause();
            socket.once('drain', () => gzip.resume());
          }
        });
        const more = (): void => {
          for (let i = 0; i < 256 && !socket.destroyed; i++)
            if (!gzip.write(noise)) return void gzip.once('drain', more);
          gzip.end();
        };
        more();
      });
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const job = runVendorJob('zenhire', jobSpec(url), { clock, pacing: false, deadlineMs: 60_000 });
      const outcome = job.catch((error: unknown) => error);
      while (poured === undefined) await realDelay(5);
      expect(await poured).toBeLessThan(32 * MiB);
      clock.advance(60_000);
      expect(isVendorError(await outcome)).toBe(true);
    } finally {
      clock.dispose();
    }
  });
});

describe('runVendorJob (got): a job that stays queued, each status reply 60 KiB', () => {
  // A 2xx status is read whole (it may be the result): what must not grow is what the job keeps of
  // the replies before the last one. One measure can catch the heap mid-growth: the median of
  // seven, every 50 polls, is compared (all 400 replies kept would be 24 MiB).
  it('holds about one reply, not all of them, over 400 polls', async () => {
    const pad = 'x'.repeat(60 * 1024);
    let polls = 0;
    let base = 0;
    const held: number[] = [];
    const url = await loopback.serve((req, res) => {
      req.resume();
      const submit = req.method === 'POST';
      if (!submit) polls++;
      if (polls === 50) base = retainedBytes();
      if (polls >= 100 && polls % 50 === 0) held.push(retainedBytes() - base);
      const status = polls >= 400 ? 'success' : 'queued';
      res.writeHead(submit ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'job_1', status, pollIntervalSeconds: 1, pad: submit ? '' : pad }));
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true });
    try {
      // ZenHire polls every 10 s at most: 400 polls take longer than its 10-minute polling deadline.
      const policy = {
        extends: 'zenhire',
        polling: { deadlineMs: 36_000_000, source: 'a test of many polls' },
      };
      const done = await runVendorJob(policy, jobSpec(url), { clock, pacing: false });
      expect((done.body as { status: string }).status).toBe('success');
      expect(polls).toBe(400);
      expect(held).toHaveLength(7);
      const median = [...held].sort((a, b) => a - b)[3] as number;
      expect(median).toBeLessThan(6 * MiB);
    } finally {
      clock.dispose();
    }
  }, 60_000);
});

describe('runVendorJob: a status reply longer than the engine parses', () => {
  // The engine cuts a body at MAX_PARSE_CHARS (64 Ki characters) before parsing it: a `queued`
  // status reply past that (a vendor that sends partial results with its status) did not parse,
  // so no job state was read, and a 200 that says nothing was taken as the job's end: the job
  // resolved after its first poll with the `queued` reply as its result. A reply read whole is
  // condensed for the engine instead (observation.ts wholeBodyText); the result stays whole.
  const replies = {
    'a long field after the state': (status: string) =>
      JSON.stringify({ id: 'job_1', status, pollIntervalSeconds: 1, pad: 'x'.repeat(70 * 1024) }),
    'a long partial transcript before the state': (status: string) =>
      JSON.stringify({
        id: 'job_1',
        segments: Array.from({ length: 4000 }, (_, i) => ({ i, text: 'some words said' })),
        status,
        pollIntervalSeconds: 1,
      }),
  };
  const fetchJobSpec = (url: string) => ({
    submit: () => ({ url: `${url}/submit`, init: { method: 'POST', body: '{}' } }),
    jobId: (body: unknown) => (body as { id?: string }).id,
    poll: (id: string) => ({ url: `${url}/poll/${id}` }),
  });
  const run = {
    got: (url: string, clock: ReturnType<typeof createManualClock>) =>
      runVendorJob('zenhire', jobSpec(url), { clock, pacing: false }),
    fetch: (url: string, clock: ReturnType<typeof createManualClock>) =>
      runFetchJob('zenhire', fetchJobSpec(url), { clock, pacing: false }),
  };
  it.each(
    (['got', 'fetch'] as const).flatMap((client) =>
      Object.keys(replies).map((shape) => [client, shape] as [typeof client, keyof typeof replies]),
    ),
  )(
    "%s, %s: a `queued` reply is not the job's result; polling goes on to `success`",
    async (client, shape) => {
      let polls = 0;
      const url = await loopback.serve((req, res) => {
        req.resume();
        const submit = req.method === 'POST';
        if (!submit) polls++;
        const status = submit || polls < 2 ? 'queued' : 'success';
        res.writeHead(submit ? 202 : 200, { 'content-type': 'application/json' });
        res.end(submit ? JSON.stringify({ id: 'job_1', status }) : replies[shape](status));
      });
      const clock = createManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true });
      try {
        const done = await run[client](url, clock);
        expect((done.body as { status: string }).status).toBe('success');
        expect(polls).toBe(2);
        // The result is the whole reply, not what the engine read of it.
        expect(JSON.stringify(done.body)).toBe(replies[shape]('success'));
      } finally {
        clock.dispose();
      }
    },
  );
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

(redisTestsEnabled() ? describe : describe.skip)(
  'cluster pacing: a Redis timeout longer than a Node timer',
  () => {
    // redisTimeoutMs went as it was to setTimeout (and to ioredis' connect and command timeouts):
    // Node sets a timer past 2^31 - 1 ms to 1 ms (TimeoutOverflowWarning), so a timeout of "25 days"
    // expired at once and every call was refused: "Redis did not accept a connection within
    // 2147483648 ms".
    it('2^31 ms: calls run (the timeout is as good as none, not 1 ms)', async () => {
      const redis = await startRedisServer();
      const pacing = createPacing({ redis: redis.url, redisTimeoutMs: 2 ** 31 });
      try {
        const pacer = pacing.pacer({ vendor: 'acme', limits: { maxConcurrent: 2 } });
        const outcomes: string[] = [];
        for (let i = 0; i < 3; i++) {
          outcomes.push(await pacer.schedule(async () => 'ran').catch((error: Error) => error.message));
        }
        expect(outcomes).toEqual(['ran', 'ran', 'ran']);
      } finally {
        await pacing.close();
        await redis.stop(true);
      }
    });
  },
);

describe('readVendorMessages: a stream that misbehaves', () => {
  it('a line that never ends: the call fails past maxLineBytes, having read a bounded amount, its connection closed', async () => {
    let poured: Promise<number> | undefined;
    const url = await loopback.serve((req, res) => {
      req.resume();
      // A body that runs until the connection closes (no length, not chunked): one line, no newline.
      const socket = res.socket as Socket;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\nconnection: close\r\n\r\n');
      poured = pour(socket, 0x61, 256 * MiB);
    });
    const base = retainedBytes();
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, retainedBytes() - base)), 50);
    try {
      const read = (async () => {
        for await (const message of readVendorMessages('gradium', url, { pacing: false })) void message;
      })();
      const error = await read.catch((e: unknown) => e);
      expect(isVendorError(error)).toBe(true);
      if (!isVendorError(error)) return;
      expect(error.action).toBe('fail');
      expect(error.message).toMatch(/maxLineBytes/);
      while (poured === undefined) await realDelay(5);
      // The default maxLineBytes is 8 MiB; what the socket and the kernel buffered besides is a few MiB.
      expect(await poured).toBeLessThan(40 * MiB);
    } finally {
      clearInterval(watch);
    }
    expect(peak).toBeLessThan(48 * MiB);
  });

  // openOne took its error listener off a 2xx stream before the caller's loop put the stream's own
  // on: a socket error in between (the first chunk came with the headers, and was malformed) was
  // emitted with no listener, an uncaught exception that ends the process (jest: "Unhandled error").
  it('a malformed first chunk that arrives with the headers fails the call, with no uncaught error', async () => {
    const url = await loopback.serve((req, res) => {
      req.resume();
      (res.socket as Socket).write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\nzzzz\r\n',
      );
    });
    const messages: unknown[] = [];
    const read = (async () => {
      for await (const message of readVendorMessages('gradium', url, { pacing: false }))
        messages.push(message);
    })();
    const error = await read.catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.message).toMatch(/HPE_INVALID_CHUNK_SIZE/);
    expect(messages).toEqual([]);
  });

  it('a reader that stops (break out of for await) closes the connection of a stream that goes on for ever', async () => {
    let closed = false;
    let written = 0;
    const url = await loopback.serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const timer = setInterval(() => {
        written++;
        res.write('{"type":"text","text":"more"}\n');
      }, 2);
      res.socket?.once('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    let seen = 0;
    for await (const message of readVendorMessages('gradium', url, { pacing: false })) {
      void message;
      if (++seen === 3) break;
    }
    for (let i = 0; i < 100 && !closed; i++) await realDelay(5);
    expect(closed).toBe(true);
    expect(written).toBeGreaterThanOrEqual(3);
  });
});

describe("readVendorMessages' line splitter: a line dripped a byte at a time", () => {
  // maxLineBytes bounds the bytes of a line held, but each piece of it was held as its own Buffer
  // (a view on the socket's chunk, which keeps that chunk): a server that sends one byte per
  // TCP segment made a line cost a few hundred bytes per byte, ~3 GB for the default 8 MiB.
  it('400 000 one-byte chunks of one line hold about the line, not a Buffer per byte', async () => {
    const chunkCount = 400_000;
    const base = retainedBytes();
    let peak = 0;
    async function* drip(): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunkCount; i++) {
        if (i > 0 && i % 100_000 === 0) peak = Math.max(peak, retainedBytes() - base);
        // A chunk of its own, as a socket read hands out.
        yield Buffer.alloc(1, 0x61);
      }
      yield Buffer.from('\n');
    }
    const lines: string[] = [];
    for await (const line of ndjsonLines(drip())) lines.push(line);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(chunkCount);
    expect(peak).toBeLessThan(8 * MiB);
  }, 60_000);
});

describe('readVendorMessages: a long stream', () => {
  // Every message yielded was also kept for a later error's partialOutput, for the life of the
  // stream: memory grew with the stream's length (a TTS stream of base64 audio for an hour), though
  // the caller had each message already and may have let it go.
  it('holds a bounded amount of what it has delivered: 64 MiB of messages read and dropped', async () => {
    const messageText = JSON.stringify({ type: 'text', text: 'x'.repeat(1000) }) + '\n';
    const count = 64 * 1024;
    const url = await loopback.serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let sent = 0;
      const more = (): void => {
        while (sent < count) {
          sent += 64;
          if (!res.write(messageText.repeat(64))) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    const base = retainedBytes();
    let read = 0;
    let heldAtEnd = 0;
    for await (const message of readVendorMessages('gradium', url, { pacing: false })) {
      void message;
      // Measured while the stream is still open, at its last message.
      if (++read === count) heldAtEnd = retainedBytes() - base;
    }
    expect(read).toBe(count);
    // The tail kept for partialOutput is 8 MiB of lines (as parsed objects, and with what the
    // stream holds, 10–22 MB on Node 20–24); every message kept was 71 MB, and grows with the stream.
    expect(heldAtEnd).toBeLessThan(32 * MiB);
  });
});

describe('resilientFetch: an error reply far larger than the engine reads', () => {
  it('a 400 with a 256 MiB body: the engine reads its start, the rest stays unread until the caller reads it', async () => {
    let poured: Promise<number> | undefined;
    let socket: Socket | undefined;
    const url = await loopback.serve((req, res) => {
      req.resume();
      socket = res.socket as Socket;
      socket.write('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\n');
      socket.write(`content-length: ${256 * MiB}\r\nconnection: close\r\n\r\n`);
      poured = pour(socket, 0x61, 256 * MiB);
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const fetch = resilientFetch('zenhire', { pacing: false, clock, throwOnFail: false });
      const response = await fetch(`${url}/v1/analyze`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(400);
      const countNow = async (): Promise<number> => {
        // What the socket accepted so far: pour() resolves only at the close.
        await realDelay(300);
        return (socket as Socket).bytesWritten;
      };
      expect(await countNow()).toBeLessThan(32 * MiB);
      await response.body?.cancel();
      expect(await poured).toBeLessThan(32 * MiB);
    } finally {
      clock.dispose();
    }
  });
});

describe('ws: a server that never answers the closing handshake', () => {
  it('close() settles `closed` once closeTimeoutMs has passed on the session clock, not before', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    // The server stops reading its socket once the session is open: it never sees the close frame.
    server.on('connection', (_socket, request) => {
      setTimeout(() => request.socket.pause(), 20);
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const { port } = server.address() as AddressInfo;
      const session = createResilientWebSocket('gradium', {
        url: `ws://127.0.0.1:${port}`,
        clock,
        closeTimeoutMs: 5_000,
        pacing: false,
      })();
      await new Promise<void>((resolve) => session.once('open', resolve));
      await realDelay(60);
      let settled = false;
      void session.closed.then(() => (settled = true));
      session.close(1000, 'done');
      await realDelay(100);
      clock.advance(4_999);
      await realDelay(50);
      expect(settled).toBe(false);
      clock.advance(1);
      for (let i = 0; i < 100 && !settled; i++) await realDelay(5);
      expect(settled).toBe(true);
      expect(session.readyState).toBe(session.CLOSED);
    } finally {
      clock.dispose();
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Retry-After values no server should send', () => {
  const engine = createVendorEngine();
  const decide = (retryAfter: string) =>
    engine.decide({ vendor: 'zenhire', status: 429, headers: { 'retry-after': retryAfter } });
  it.each(['999999999999', '120001', 'Fri, 31 Dec 9999 23:59:59 GMT'])(
    "%s: past the policy's cap (ZenHire's is 5 min) the call fails now instead of waiting",
    (value) => {
      const decision = decide(value);
      expect(decision.action).toBe('fail');
      expect(decision.delayMs).toBe(0);
    },
  );
  it.each(['-5', '1e12', 'NaN', 'Infinity', '', 'soon'])(
    '%s: not a wait, so the computed backoff (finite, at most 20 s) is used',
    (value) => {
      const decision = decide(value);
      expect(Number.isFinite(decision.delayMs)).toBe(true);
      expect(decision.delayMs).toBeLessThanOrEqual(20_000);
      expect(decision.delayMs).toBeGreaterThanOrEqual(0);
    },
  );
  const poll = (seconds: unknown) =>
    engine.decide({
      vendor: 'zenhire',
      status: 200,
      phase: 'poll',
      body: JSON.stringify({ id: 'job_1', status: 'processing', pollIntervalSeconds: seconds }),
    });
  it.each([1e12, 1e308])(
    'pollIntervalSeconds %s: past the cap, the job fails now instead of waiting',
    (value) => {
      const decision = poll(value);
      expect(decision.action).toBe('fail');
      expect(decision.delayMs).toBe(0);
    },
  );
  it.each([-5, 'NaN', '1e12', 0])(
    'pollIntervalSeconds %s: the poll waits the schedule or the minimum interval (finite, at most 5 min)',
    (value) => {
      const decision = poll(value);
      expect(decision.action).toBe('poll');
      expect(decision.delayMs).toBeGreaterThanOrEqual(10_000);
      expect(decision.delayMs).toBeLessThanOrEqual(300_000);
    },
  );
});
