import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVendorError } from '../../../lib/index.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
} from '../../../lib/adapters/got/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const rateLimited = json(
  429,
  { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow', timestamp: 't', retryAfterSeconds: 30 } },
  { 'retry-after': '30' },
);

describe('abort', () => {
  it('rejects within milliseconds when aborted during a 30 s backoff, and sends nothing more', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [rateLimited, json(202, { id: 'r', status: 'queued' })],
    });
    const controller = new AbortController();
    let abortedAt = 0;
    const delays: number[] = [];
    const client = got.extend(
      vendorResilience('zenhire', {
        signal: controller.signal,
        onDecision: (e) => {
          delays.push(e.decision.delayMs);
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 20);
        },
      }),
    );
    const error = await client
      .post(`${server.url}/api/v1/speech/analyze`, { json: {} })
      .catch((e: unknown) => e);
    const latencyMs = performance.now() - abortedAt;
    expect((error as Error).name).toBe('AbortError');
    expect(delays[0]).toBeGreaterThanOrEqual(30_000);
    expect(latencyMs).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 30));
    expect(server.received).toHaveLength(1);
  });

  it('aborts a job while it waits between polls', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [json(202, { id: 'r', status: 'queued', pollIntervalSeconds: 30 })],
      'GET /api/v1/speech/analyze/r': [json(200, { id: 'r', status: 'success' })],
    });
    const controller = new AbortController();
    const started = performance.now();
    const job = runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      signal: controller.signal,
      onDecision: () => setTimeout(() => controller.abort(new Error('user cancelled')), 10),
    });
    await expect(job).rejects.toThrow('user cancelled');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.received).toHaveLength(1);
  });
});

const CANARY = 'sk_canary_5e1f9a7c3b2d4e6f';

function expectNoCanary(error: unknown): void {
  expect(error).toBeDefined();
  const views: string[] = [inspect(error, { depth: 10 }), JSON.stringify(error) ?? ''];
  let current: unknown = error;
  for (let i = 0; i < 8 && current instanceof Error; i++) {
    views.push(current.message, current.stack ?? '', inspect(current, { depth: 10 }));
    current = current.cause;
  }
  for (const view of views) expect(view).not.toContain(CANARY);
}

describe('secrets', () => {
  it('keeps a canary API key out of every error the HTTP helpers raise', async () => {
    server = await startScriptedServer({
      'POST /zenhire/auth': [
        json(401, {
          error: { code: 'INVALID_API_KEY', message: `key ${CANARY} is not recognised`, timestamp: 't' },
        }),
      ],
      'POST /zenhire/slow': [rateLimited],
      'POST /breeze/down': [
        json(500, { ok: false, code: 'INTERNAL_ERROR', detail: `upstream said ${CANARY}`, error: 'x' }),
      ],
      'POST /reset': [(res) => res.socket?.destroy()],
      'POST /api/post/speech/asr': [
        {
          status: 200,
          body: `{"type":"text","text":"a"}\n{"type":"error","message":"bad token ${CANARY}"}\n`,
        },
      ],
      'POST /api/post/speech/tts': [
        { status: 500, body: `error from server 1008: API key ${CANARY} is revoked` },
      ],
      'POST /api/v1/speech/analyze': [json(202, { id: 'r', status: 'queued' })],
      'GET /api/v1/speech/analyze/r': [
        json(200, {
          id: 'r',
          status: 'failed',
          error: { code: 'SERVICE_CONFIGURATION_ERROR', message: CANARY },
        }),
      ],
    });
    const url = server.url;
    const time = fakeTime();
    const common = { clock: time.clock };
    const headers = { 'x-api-key': CANARY, 'xi-api-key': CANARY, authorization: `Bearer ${CANARY}` };
    const zenhire = got.extend({ headers }, vendorResilience('zenhire', { ...common, deadlineMs: 1000 }));
    const breeze = got.extend({ headers }, vendorResilience('breeze', common));
    const gradium = got.extend({ headers }, vendorResilience('gradium', common));
    const failures: unknown[] = [
      await zenhire.post(`${url}/zenhire/auth?api_key=${CANARY}`, { json: {} }).catch((e: unknown) => e),
      await zenhire.post(`${url}/zenhire/slow?token=${CANARY}`, { json: {} }).catch((e: unknown) => e),
      await breeze.post(`${url}/breeze/down?api_key=${CANARY}`, { json: {} }).catch((e: unknown) => e),
      await zenhire.post(`${url}/reset?api_key=${CANARY}`, { json: {} }).catch((e: unknown) => e),
      await zenhire
        .post(`http://127.0.0.1:1/refused?api_key=${CANARY}`, { json: {} })
        .catch((e: unknown) => e),
      await pipeline(
        gradium.stream.post(`${url}/api/post/speech/tts?token=${CANARY}`, { json: {} }),
        new Writable({ write: (_c, _e, cb) => cb() }),
      ).catch((e: unknown) => e),
      await runVendorJob(
        'zenhire',
        presetJob('zenhire', { baseUrl: url, submit: { headers } }),
        common,
      ).catch((e: unknown) => e),
    ];
    try {
      for await (const _ of readVendorMessages('gradium', `${url}/api/post/speech/asr?api_key=${CANARY}`, {
        ...common,
        request: { method: 'POST', headers, body: 'x' },
      })) {
        // consume
      }
    } catch (error) {
      failures.push(error);
    }
    expect(failures).toHaveLength(8);
    for (const failure of failures) {
      expect(isVendorError(failure)).toBe(true);
      expectNoCanary(failure);
    }
  });
});

describe("secrets in got's own AbortError and CancelError", () => {
  // Your abort and cancel end the call with got's own error, raised as got raises it and through no
  // hook of the adapter; it quotes the call's options (headers and URL). Before the fix they kept
  // the key: with `pacing: false` (nothing followed your signal) and on cancel().
  it.each([
    ['pacing off, aborted in flight', { pacing: false as const }, 'abort'],
    ['the default pacing, aborted in flight', {}, 'abort'],
    ['pacing off, cancelled in flight', { pacing: false as const }, 'cancel'],
  ])('%s: the key is in no view of the error', async (_name, options, how) => {
    const stalled = createServer(() => undefined); // answers nothing: the call stays in flight
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/api/v1?api_key=${CANARY}`;
    try {
      const controller = new AbortController();
      const client = got.extend(
        { headers: { 'x-api-key': CANARY } },
        vendorResilience('zenhire', { ...options, signal: controller.signal }),
      );
      const call = client.post(url, { json: {} });
      const outcome = call.catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // got 15 and 16 have no cancel(): there, the signal is the way to stop a call.
      const cancel = (call as { cancel?: () => void }).cancel;
      if (how === 'cancel' && typeof cancel === 'function') cancel.call(call);
      else controller.abort();
      const error = (await outcome) as Error;
      expect(['AbortError', 'CancelError']).toContain(error.name);
      expectNoCanary(error);
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});
