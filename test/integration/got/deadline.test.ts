import { afterEach, describe, expect, it } from '@jest/globals';
import got, { RequestError } from 'got';
import type { ServerResponse } from 'node:http';
import { isVendorError } from '../../../lib/index.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
} from '../../../lib/adapters/got/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { createManualClock, type ManualClock } from '../../../lib/testing/index.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

// deadlineMs bounds the whole call (issue 13 item 7): a request in flight, a body still arriving,
// a pacer turn and a wait all end when it passes. The deadline runs on the adapter's clock, so a
// manual clock drives it here: the tests advance it once the server holds the request.

let server: ScriptedServer | undefined;
let clock: ManualClock | undefined;
afterEach(async () => {
  clock?.dispose();
  clock = undefined;
  await server?.close();
  server = undefined;
});

/** A reply that never comes: the request stays in flight until the client gives up. */
const neverAnswer = (): void => undefined;

/** A 503 whose body never ends: one byte now, then nothing. */
const endlessSlowBody = (res: ServerResponse): void => {
  res.writeHead(503, { 'content-type': 'application/json' });
  res.write('{');
};

/** Resolves once the server has received `count` requests (polling the log on real turns, bounded). */
async function requestsArrived(count: number): Promise<void> {
  for (let turn = 0; turn < 2000 && (server?.received.length ?? 0) < count; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  expect(server?.received.length).toBe(count);
}

describe('deadlineMs ends the whole call', () => {
  it.each([
    ['a server that never answers', neverAnswer],
    ['a 503 with a body that never ends', endlessSlowBody],
  ])('got adapter: %s', async (_name, reply) => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [reply] });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    // pacing: false, so the clock's only waits are the call's own (no default pacing's sweep).
    const client = got.extend(vendorResilience('zenhire', { clock, deadlineMs: 500, pacing: false }));
    const call = client.post(`${server.url}/api/v1/speech/analyze`, { body: 'audio' });
    const settled = call.then(
      () => undefined,
      (error: unknown) => error,
    );
    await requestsArrived(1);
    clock.advance(499);
    clock.advance(1);
    const error = (await settled) as Error & Record<string, unknown>;
    expect(error).toBeInstanceOf(RequestError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toMatch(/deadline of 500 ms passed/);
    expect(isVendorError(error)).toBe(true);
    expect(error.category).toBe('deadline_exceeded');
    expect(error.action).toBe('fail');
    expect(String((error.decision as { reason: string }).reason)).toMatch(/attempt 1 was in flight/);
    expect(server.received).toHaveLength(1);
    expect(clock.pendingWaits()).toBe(0);
  });

  it('got adapter: a deadline passing while the call waits for its pacer turn ends it there', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [
        json(429, { error: { code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 30 } }, { 'retry-after': '30' }),
      ],
    });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    const pacing = createPacing({ clock });
    try {
      // The first call's 429 closes zenhire's gate for 30 s (on the manual clock).
      const first = got.extend(vendorResilience('zenhire', { clock, pacing, deadlineMs: 5_000 }));
      const firstCall = first
        .post(`${server.url}/api/v1/speech/analyze`, { body: 'audio' })
        .catch((e: unknown) => e);
      await requestsArrived(1);
      const firstError = (await firstCall) as Record<string, unknown>;
      // Its own 30 s wait does not fit its 5 s deadline: refused before it starts.
      expect(String((firstError.decision as { reason: string }).reason)).toMatch(/deadline leaves/);
      const second = got.extend(vendorResilience('zenhire', { clock, pacing, deadlineMs: 2_000 }));
      const secondCall = second
        .post(`${server.url}/api/v1/speech/analyze`, { body: 'audio' })
        .catch((e: unknown) => e);
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(2_000);
      const error = (await secondCall) as Record<string, unknown>;
      expect(error.category).toBe('deadline_exceeded');
      expect(String((error.decision as { reason: string }).reason)).toMatch(/waiting to send attempt 1/);
      expect(server.received).toHaveLength(1);
    } finally {
      await pacing.close();
    }
  });

  it('runVendorJob: a submit that never answers', async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [neverAnswer] });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    const settled = runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      clock,
      deadlineMs: 800,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await requestsArrived(1);
    clock.advance(800);
    const error = (await settled) as Record<string, unknown>;
    expect(isVendorError(error)).toBe(true);
    expect(error.category).toBe('deadline_exceeded');
    expect(error.name).toBe('VendorError');
    expect(String(error.message)).toMatch(/deadline of 800 ms passed/);
  });

  it('runVendorJob: a poll that never answers, after a 15 s poll wait on the same clock', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [json(202, { id: 'job-1', status: 'queued', pollIntervalSeconds: 15 })],
      'GET /api/v1/speech/analyze/job-1': [neverAnswer],
    });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    const settled = runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      clock,
      deadlineMs: 30_000,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await requestsArrived(1);
    // The poll interval (15 s and the policy's jitter) passes on the manual clock, a second at a time.
    const startMs = clock.now();
    for (let s = 0; s < 25 && server.received.length < 2; s++) {
      await clock.advanceAsync(1_000);
      for (let turn = 0; turn < 20 && server.received.length < 2; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    await requestsArrived(2);
    expect(clock.now() - startMs).toBeGreaterThanOrEqual(15_000);
    clock.set(startMs + 30_000);
    const error = (await settled) as Record<string, unknown>;
    expect(error.category).toBe('deadline_exceeded');
    expect(String((error.decision as { reason: string }).reason)).toMatch(/attempt 1 \(poll\) was under way/);
  });

  it('readVendorMessages: a stream that stalls after its first message', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        (res) => {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write(`${JSON.stringify({ type: 'text', text: 'Hello' })}\n`);
        },
      ],
    });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    const messages: unknown[] = [];
    const read = (async () => {
      for await (const message of readVendorMessages('gradium', `${server.url}/api/post/speech/asr`, {
        clock,
        deadlineMs: 1_000,
        request: { method: 'POST', body: 'audio' },
      })) {
        messages.push(message);
      }
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    for (let turn = 0; turn < 2000 && messages.length === 0; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(messages).toHaveLength(1);
    clock.advance(1_000);
    const error = (await read) as Record<string, unknown>;
    expect(error.category).toBe('deadline_exceeded');
    expect(String(error.message)).toMatch(/deadline of 1 s passed/);
  });

  it('leaves no deadline watch behind when the call ends first', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [{ status: 200, body: '{"status":"success"}' }],
    });
    clock = createManualClock(Date.UTC(2026, 0, 1));
    const client = got.extend(vendorResilience('zenhire', { clock, deadlineMs: 5_000, pacing: false }));
    await client.post(`${server.url}/api/v1/speech/analyze`, { body: 'audio' });
    expect(clock.pendingWaits()).toBe(0);
  });
});
