import { afterEach, describe, expect, it } from '@jest/globals';
import got, { HTTPError } from 'got';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { isVendorError } from '../../../lib/index.js';
import { readVendorMessages, vendorResilience, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { ERROR_BODY_WAIT_MS } from '../../../lib/run/body-head.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ndjson = (...lines: unknown[]) => ({
  status: 200,
  headers: { 'content-type': 'application/x-ndjson' },
  body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
});
const errorLine = { type: 'error', message: 'transcription pipeline failed' };

async function collect(iterable: AsyncIterable<unknown>): Promise<{ messages: unknown[]; error?: unknown }> {
  const messages: unknown[] = [];
  try {
    for await (const m of iterable) messages.push(m);
  } catch (error) {
    return { messages, error };
  }
  return { messages };
}

describe('readVendorMessages (Gradium NDJSON)', () => {
  it('raises a VendorError carrying the partial output when an error line follows two text lines', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        ndjson({ type: 'text', text: 'Hello' }, { type: 'text', text: 'world' }, errorLine),
      ],
    });
    const time = fakeTime();
    const events: DecisionEvent[] = [];
    const { messages, error } = await collect(
      readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'RIFF', headers: { 'content-type': 'audio/wav' } },
        clock: time.clock,
        onDecision: (e) => events.push(e),
      }),
    );
    expect(messages).toEqual([
      { type: 'text', text: 'Hello' },
      { type: 'text', text: 'world' },
    ]);
    // The engine allowed a retry, but output was delivered: the event reports the failure that happened.
    expect(events.map((e) => [e.phase, e.decision.action])).toEqual([
      ['submit', 'ok'],
      ['stream', 'fail'],
    ]);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.partialOutput).toEqual(messages);
    expect(error.status).toBe(200);
    expect(error.category).toBe('stream_error');
    expect(error.message).toMatch(/2 messages were already delivered/);
    expect(server.received).toHaveLength(1);
    expect(time.waits).toEqual([]);
  });

  it('retries when the error line comes before any message was delivered', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        ndjson(errorLine),
        ndjson({ type: 'text', text: 'Hi' }, { type: 'end_of_stream' }),
      ],
    });
    const time = fakeTime();
    const events: DecisionEvent[] = [];
    const { messages, error } = await collect(
      readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'RIFF' },
        clock: time.clock,
        onDecision: (e) => events.push(e),
      }),
    );
    expect(error).toBeUndefined();
    expect(messages).toEqual([{ type: 'text', text: 'Hi' }, { type: 'end_of_stream' }]);
    expect(server.received).toHaveLength(2);
    expect(time.waits).toHaveLength(1);
    expect(events.filter((e) => e.phase === 'stream').map((e) => e.decision.action)).toEqual(['retry']);
  });

  it('fails a pre-stream 500 "error from server 1008" after one request, with nothing delivered', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        { status: 500, body: 'error from server 1008: API key is revoked or expired' },
      ],
    });
    const { messages, error } = await collect(
      readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'x' },
      }),
    );
    expect(messages).toEqual([]);
    expect(isVendorError(error) && error.vendorCode).toBe('1008');
    expect(server.received).toHaveLength(1);
  });

  it('fails a silent empty 200', async () => {
    server = await startScriptedServer({ 'POST /api/post/speech/asr': [{ status: 200, body: '' }] });
    const { error } = await collect(
      readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'x' },
      }),
    );
    expect(isVendorError(error) && error.action).toBe('fail');
    expect(server.received).toHaveLength(1);
  });
});

describe('readVendorMessages: maxLineBytes', () => {
  it('a line past maxLineBytes ends the call with a fail that says so, the messages before it delivered', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        (res) => {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write(`${JSON.stringify({ type: 'text', text: 'Hello' })}\n`);
          // 2 MiB of one line, no newline, then the server keeps the connection open.
          res.write(Buffer.alloc(2 * 1024 * 1024, 0x61));
        },
      ],
    });
    const { messages, error } = await collect(
      readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'RIFF' },
        maxLineBytes: 1024 * 1024,
      }),
    );
    expect(messages).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.action).toBe('fail');
    expect(error.decision.reason).toMatch(
      /a line grew past maxLineBytes \(1048576 bytes\) without a newline/,
    );
    expect(error.partialOutput).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(server.received).toHaveLength(1);
  });

  it('refuses a maxLineBytes that is not a positive whole number, before any request', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [ndjson({ type: 'text', text: 'x' })],
    });
    const url = `${server.url}/api/post/speech/asr`;
    const { error } = await collect(readVendorMessages('gradium', url, { maxLineBytes: 0 }));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/maxLineBytes must be a positive whole number/);
    expect(server.received).toHaveLength(0);
  });
});

describe('vendorResilience with got.stream', () => {
  it("resends on got's retry event when the engine says so, after the engine's wait", async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/tts': [
        { status: 500, body: 'error from server 1011: internal' },
        { status: 200, body: 'PCMDATA' },
      ],
    });
    const time = fakeTime();
    const client = got.extend(vendorResilience('gradium', { clock: time.clock }));
    const chunks: Buffer[] = [];
    const first = client.stream.post(`${server.url}/api/post/speech/tts`, {
      json: { text: 'hi', only_audio: true },
    });
    // got's documented way to retry a stream: the engine decides whether `retry` is emitted, and when.
    const retried = new Promise<NodeJS.ReadableStream>((resolve) => {
      first.once('retry', (_count: number, _error: unknown, createRetryStream: () => NodeJS.ReadableStream) =>
        resolve(createRetryStream()),
      );
    });
    first.resume();
    const second = await retried;
    let status: number | undefined;
    second.on('response', (r: { statusCode: number }) => (status = r.statusCode));
    await pipeline(second, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    expect(Buffer.concat(chunks).toString()).toBe('PCMDATA');
    expect(status).toBe(200);
    expect(server.received).toHaveLength(2);
    expect(time.waits).toHaveLength(1);
  });

  it('without a retry listener, a retryable error ends the stream with the decision and why', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/tts': [{ status: 500, body: 'error from server 1011: internal' }],
    });
    const client = got.extend(vendorResilience('gradium'));
    const error = await pipeline(
      client.stream.post(`${server.url}/api/post/speech/tts`, { json: {} }),
      new Writable({ write: (_c, _e, cb) => cb() }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(isVendorError(error) && error.decision.reason).toMatch(/got does not resend a stream by itself/);
    expect(isVendorError(error) && error.vendorMessage).toBe('internal');
    expect(server.received).toHaveLength(1);
  });

  it("ends the stream with got's HTTPError carrying the decision on a fatal pre-stream error", async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/tts': [{ status: 500, body: 'error from server 1008: bad key' }],
    });
    const client = got.extend(vendorResilience('gradium'));
    const stream = client.stream.post(`${server.url}/api/post/speech/tts`, { json: {} });
    let retried = 0;
    stream.on('retry', () => retried++);
    const error = await pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HTTPError);
    expect(isVendorError(error) && error.vendorCode).toBe('1008');
    expect(retried).toBe(0);
    expect(server.received).toHaveLength(1);
  });
});

describe('readVendorMessages: an error status whose body stalls', () => {
  it('is judged with what arrived once the bounded wait for its body is over, instead of hanging', async () => {
    // The vendor sends a 400's headers and the start of its body, then nothing, keeping the connection open.
    const stalling = createServer((request, response) => {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/json' });
      response.write('{"detail":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/api/post/speech/asr`;
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      let settled = false;
      const reading = collect(
        readVendorMessages('gradium', url, {
          request: { method: 'POST', body: 'RIFF' },
          clock,
          pacing: false,
        }),
      ).finally(() => {
        settled = true;
      });
      // The wait for the body is on the adapter's clock: it starts once the headers are in.
      while (clock.pendingWaits() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      clock.advance(ERROR_BODY_WAIT_MS - 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      clock.advance(1);
      const { messages, error } = await reading;
      expect(messages).toEqual([]);
      expect(isVendorError(error)).toBe(true);
      if (!isVendorError(error)) return;
      expect(error.status).toBe(400);
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
      clock.dispose();
    }
  });
});
