import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import got, * as gotExports from 'got';
import { HTTPError, ParseError, RequestError, TimeoutError } from 'got';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVendorError, type Clock, type Decision } from '../../../lib/index.js';
import { readVendorMessages, vendorResilience } from '../../../lib/adapters/got/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { abortReason } from '../../../lib/run/sleep.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

// Issue 11: an instance extended with vendorResilience is still got. Each block is one item of the
// issue, run against a real loopback server.

let server: ScriptedServer | undefined;
let pacings: Pacing[] = [];
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => void uncaught.push(error);

beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

afterEach(async () => {
  // Let late listeners (got's abort handler, a destroyed socket) run before looking.
  await new Promise((resolve) => setTimeout(resolve, 30));
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await server?.close();
  server = undefined;
  for (const pacing of pacings) await pacing.close();
  pacings = [];
  expect(uncaught).toEqual([]);
});

/**
 * A wall clock whose waits only end when their signal aborts: a call is "in a backoff wait" for as
 * long as the test likes. `started` resolves with the first wait a call awaits (not a housekeeping,
 * unref'd one such as a gate's reopening).
 */
function endlessClock(): { clock: Clock; started: Promise<number> } {
  let began: (ms: number) => void = () => undefined;
  const started = new Promise<number>((resolve) => (began = resolve));
  return {
    started,
    clock: {
      now: () => Date.now(),
      sleep: (delayMs, { signal, unref = false } = {}) =>
        new Promise<void>((_resolve, reject) => {
          if (!unref) began(delayMs);
          if (signal?.aborted) reject(abortReason(signal));
          signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
        }),
    },
  };
}

const sink = (into: Buffer[] = []): Writable =>
  new Writable({ write: (chunk: Buffer, _e, cb) => (into.push(chunk), cb()) });

const zenhireWarmingUp = json(
  503,
  { error: { code: 'SERVICE_WARMING_UP', message: 'warming up' } },
  { 'retry-after': '30' },
);

describe('1. uploads through got.stream', () => {
  it('an upload piped through stream.post arrives whole, and the sink reads the response', async () => {
    server = await startScriptedServer({ 'POST /upload': [{ status: 200, body: 'stored' }] });
    const client = got.extend(vendorResilience('breeze'));
    const out: Buffer[] = [];
    await pipeline(Readable.from(['up', 'load']), client.stream.post(`${server.url}/upload`), sink(out));
    expect(server.received.map((r) => r.body)).toEqual(['upload']);
    expect(Buffer.concat(out).toString()).toBe('stored');
  });

  it('stream.put too; an unreachable host rejects the pipeline (no uncaught exception)', async () => {
    server = await startScriptedServer({ 'PUT /upload': [{ status: 201, body: 'ok' }] });
    const client = got.extend(vendorResilience('breeze'));
    await pipeline(Readable.from(['a', 'b']), client.stream.put(`${server.url}/upload`), sink());
    expect(server.received.map((r) => r.body)).toEqual(['ab']);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await pipeline(
      Readable.from(['x']),
      client.stream.post(`http://127.0.0.1:${port}/upload`),
      sink(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('ECONNREFUSED');
  });

  it('a stream body cannot be sent twice: a retryable failure ends the call with the reason', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'x' })],
    });
    const client = got.extend(vendorResilience('breeze'));
    const error = await client
      .post(`${server.url}/v1/text-to-speech/v`, { body: Readable.from(['RIFF']) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(isVendorError(error) && error.decision.reason).toMatch(/stream that the first try consumed/);
    expect(server.received).toHaveLength(1);
  });
});

describe('2. a signal aborted at any stage never crashes the process', () => {
  it('while queued behind the pacer', async () => {
    server = await startScriptedServer({ 'GET /slow': [(res) => setTimeout(() => res.end('ok'), 200)] });
    const pacing = createPacing({ keepProcessAlive: false, vendors: { breeze: { maxConcurrent: 1 } } });
    pacings.push(pacing);
    const client = got.extend(vendorResilience('breeze', { pacing }));
    const first = client.get(`${server.url}/slow`).text();
    const controller = new AbortController();
    const queued = client.get(`${server.url}/slow`, { signal: controller.signal }).text();
    const stream = client.stream(`${server.url}/slow`, { signal: controller.signal });
    const streamError = new Promise((resolve) => stream.once('error', resolve));
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    await expect(streamError).resolves.toMatchObject({ name: 'AbortError' });
    expect(await first).toBe('ok');
    expect(server.received).toHaveLength(1);
  });

  it('while waiting out a backoff, for a promise and for readVendorMessages', async () => {
    server = await startScriptedServer({
      'POST /api/v1': [zenhireWarmingUp],
      'POST /api/post/speech/asr': [{ status: 500, body: 'error from server 1011: busy' }],
    });
    const { clock, started } = endlessClock();
    const controller = new AbortController();
    const client = got.extend(vendorResilience('zenhire', { clock }));
    const call = client.post(`${server.url}/api/v1/speech/analyze`, { json: {}, signal: controller.signal });
    await started;
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(error).toBeInstanceOf(RequestError);
    const waiting = endlessClock();
    const messages = new AbortController();
    const reading = (async () => {
      for await (const message of readVendorMessages('gradium', `${server?.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'RIFF' },
        signal: messages.signal,
        clock: waiting.clock,
      }))
        void message;
    })();
    await waiting.started;
    messages.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.received).toHaveLength(2);
  });

  it('in flight, and after a failure the caller already handled', async () => {
    server = await startScriptedServer({
      'GET /slow': [(res) => setTimeout(() => res.end('late'), 300)],
      'GET /bad': [{ status: 400, body: 'no' }],
    });
    const client = got.extend(vendorResilience('audixa'));
    const controller = new AbortController();
    const inFlight = client.get(`${server.url}/slow`, { signal: controller.signal });
    const handled = await client
      .get(`${server.url}/bad`, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(handled).toBeInstanceOf(HTTPError);
    const stream = client.stream(`${server.url}/bad`, { signal: controller.signal });
    const streamed = await new Promise((resolve) => stream.once('error', resolve));
    expect(streamed).toBeInstanceOf(HTTPError);
    controller.abort();
    await expect(inFlight).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/**
 * Stops a call the way this got version offers: `cancel()` (got 14, rejecting with CancelError), else
 * the call's signal (got 15 and 16 dropped `cancel()`; they reject with their AbortError).
 */
function stopper(): {
  options: { signal?: AbortSignal };
  stop: (call: Promise<unknown>) => void;
  stoppedAs: string;
} {
  const CancelError = (gotExports as Record<string, unknown>)['CancelError'];
  if (typeof CancelError === 'function') {
    return {
      options: {},
      stop: (call) => (call as unknown as { cancel(): void }).cancel(),
      stoppedAs: 'CancelError',
    };
  }
  const controller = new AbortController();
  return { options: { signal: controller.signal }, stop: () => controller.abort(), stoppedAs: 'AbortError' };
}

describe('3 and 4. destroy() and cancel() stop every later request', () => {
  it('cancel() during a backoff wait: got rejects with CancelError and sends nothing more', async () => {
    server = await startScriptedServer({ 'POST /api/v1': [zenhireWarmingUp] });
    const { clock, started } = endlessClock();
    const client = got.extend(vendorResilience('zenhire', { clock }));
    const { options, stop, stoppedAs } = stopper();
    const call = client.post(`${server.url}/api/v1/speech/analyze`, { json: {}, ...options });
    expect(await started).toBeGreaterThanOrEqual(30_000);
    stop(call);
    await expect(call).rejects.toMatchObject({ name: stoppedAs });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.received).toHaveLength(1);
  });

  it('cancel() of a call in flight and of a call queued behind the pacer', async () => {
    server = await startScriptedServer({ 'GET /slow': [(res) => setTimeout(() => res.end('ok'), 150)] });
    const pacing = createPacing({ keepProcessAlive: false, vendors: { breeze: { maxConcurrent: 1 } } });
    pacings.push(pacing);
    const client = got.extend(vendorResilience('breeze', { pacing }));
    const first = stopper();
    const second = stopper();
    const inFlight = client.get(`${server.url}/slow`, first.options);
    const queued = client.get(`${server.url}/slow`, second.options);
    await new Promise((resolve) => setTimeout(resolve, 30));
    second.stop(queued);
    first.stop(inFlight);
    await expect(queued).rejects.toMatchObject({ name: second.stoppedAs });
    await expect(inFlight).rejects.toMatchObject({ name: first.stoppedAs });
    // The pacer's slot came back: a new call runs at once.
    expect(await client.get(`${server.url}/slow`).text()).toBe('ok');
    expect(server.received).toHaveLength(2);
  });

  it("destroy() of a stream whose caller resends on got's retry event stops the wait and every later request", async () => {
    server = await startScriptedServer({ 'POST /api/v1': [zenhireWarmingUp] });
    const { clock, started } = endlessClock();
    const client = got.extend(vendorResilience('zenhire', { clock }));
    const stream = client.stream.post(`${server.url}/api/v1/speech/analyze`, { json: {} });
    let retried = 0;
    stream.on('retry', () => retried++);
    stream.resume();
    const closed = new Promise((resolve) => stream.once('close', resolve));
    await started;
    stream.destroy();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(retried).toBe(0);
    expect(server.received).toHaveLength(1);
  });
});

describe('5. throwHttpErrors: false', () => {
  it('returns the response the policy fails on, and the last one once attempts run out', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(422, { ok: false, code: 'VALIDATION_ERROR', detail: 'text: too long' }),
      ],
      'POST /v1/voices': [json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'boom' })],
    });
    const time = fakeTime();
    const client = got.extend(vendorResilience('breeze', { clock: time.clock }), {
      throwHttpErrors: false,
      responseType: 'json',
    });
    const refused = await client.post(`${server.url}/v1/text-to-speech/v`, { json: {} });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toEqual({ ok: false, code: 'VALIDATION_ERROR', detail: 'text: too long' });
    const exhausted = await client.post(`${server.url}/v1/voices`, { json: {} });
    expect(exhausted.statusCode).toBe(500);
    expect(server.to('/v1/voices').length).toBeGreaterThan(1);
    expect(time.waits).toHaveLength(server.to('/v1/voices').length - 1);
  });
});

describe("6. got's error contract, with the decision and the vendor's words", () => {
  it("an HTTPError with its response and body, got's code, and the vendor's own message", async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(422, { ok: false, code: 'VALIDATION_ERROR', detail: 'text: must be at most 5000 characters' }),
      ],
      'GET /missing': [{ status: 404, body: 'nothing here' }],
    });
    const client = got.extend(vendorResilience('breeze'));
    const error = await client
      .post(`${server.url}/v1/text-to-speech/v`, { json: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    const http = error as HTTPError;
    expect(http.code).toBe('ERR_NON_2XX_3XX_RESPONSE');
    expect(http.response.statusCode).toBe(422);
    expect(JSON.parse(http.response.body as string)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.vendorMessage).toBe('text: must be at most 5000 characters');
    expect(error).toMatchObject({
      vendor: 'breeze',
      vendorCode: 'VALIDATION_ERROR',
      action: 'fail',
      attempts: 1,
    });
    expect(error.decision satisfies Decision).toMatchObject({ action: 'fail', code: 'VALIDATION_ERROR' });
    expect(error.decision.reason).not.toMatch(/^breeze: breeze/);
    const missing = await client.get(`${server.url}/missing`).catch((e: unknown) => e);
    expect((missing as HTTPError).response.body).toBe('nothing here');
  });

  it("TimeoutError, ParseError and AbortError are got's own classes", async () => {
    server = await startScriptedServer({
      'GET /silent': [() => undefined],
      'GET /not-json': [{ status: 200, headers: { 'content-type': 'application/json' }, body: '{nope' }],
    });
    const client = got.extend(vendorResilience('audixa'));
    const timeout = await client
      .get(`${server.url}/silent`, { timeout: { request: 50 }, retry: { limit: 0 } })
      .catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(isVendorError(timeout) && timeout.action).toBe('fail');
    expect((timeout as TimeoutError).code).toBe('ETIMEDOUT');
    const parse = await client
      .get(`${server.url}/not-json`)
      .json()
      .catch((e: unknown) => e);
    expect(parse).toBeInstanceOf(ParseError);
    const aborted = await client
      .get(`${server.url}/silent`, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(RequestError);
    expect((aborted as Error).name).toBe('AbortError');
  });

  it("a user's own error thrown in a hook comes out as that error, not as a vendor failure", async () => {
    server = await startScriptedServer({ 'GET /fine': [{ status: 200, body: 'ok' }] });
    const mine = new Error('no token for this tenant');
    const client = got.extend(vendorResilience('audixa'), {
      hooks: {
        beforeRequest: [
          () => {
            throw mine;
          },
        ],
      },
    });
    const error = await client.get(`${server.url}/fine`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as Error).message).toBe('no token for this tenant');
    expect((error as Error).cause).toBe(mine);
    expect(isVendorError(error)).toBe(false);
    expect(server.received).toHaveLength(0);
  });
});

describe('7. hooks', () => {
  it('beforeRetry runs before each resend (a token refresh reaches the next try); beforeError sees HTTP errors', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'x' }),
        json(422, { ok: false, code: 'VALIDATION_ERROR', detail: 'bad' }),
      ],
    });
    const time = fakeTime();
    const seenErrors: unknown[] = [];
    let token = 1;
    const client = got.extend(vendorResilience('breeze', { clock: time.clock }), {
      hooks: {
        beforeRetry: [
          (error) => {
            token++;
            error.options.headers['x-token'] = `t${token}`;
          },
        ],
        beforeError: [
          (error) => {
            seenErrors.push(error);
            return error;
          },
        ],
      },
    });
    const error = await client
      .post(`${server.url}/v1/text-to-speech/v`, { json: {}, headers: { 'x-token': 't1' } })
      .catch((e: unknown) => e);
    expect(server.received.map((r) => r.headers['x-token'])).toEqual(['t1', 't2']);
    expect(seenErrors).toEqual([error]);
    expect(isVendorError(seenErrors[0]) && seenErrors[0].vendorCode).toBe('VALIDATION_ERROR');
  });

  it("an afterResponse hook's body is kept; per-request retry.limit 0 sends once", async () => {
    server = await startScriptedServer({
      'GET /v1/x': [{ status: 200, body: 'raw' }],
      'POST /v1/text-to-speech': [json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'x' })],
    });
    const client = got.extend(vendorResilience('breeze'), {
      hooks: {
        afterResponse: [
          (response) => {
            response.body = 'rewritten';
            return response;
          },
        ],
      },
    });
    expect((await client.get(`${server.url}/v1/x`)).body).toBe('rewritten');
    const error = await client
      .post(`${server.url}/v1/text-to-speech/v`, { json: {}, retry: { limit: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(server.to('/v1/text-to-speech')).toHaveLength(1);
  });
});

describe('7a. a retry.limit of yours caps resends wherever it is set', () => {
  it("in a got.extend before the adapter (the README pattern), after it, or per call; got's default does not", async () => {
    // A warm-up the policy waits out for many attempts: got's default limit (2) would stop at 3 tries.
    server = await startScriptedServer({
      'POST /api/v1': Array.from({ length: 40 }, () => zenhireWarmingUp),
    });
    const sent = (): number => server!.to('/api/v1').length;
    const post = async (client: typeof got, options: Record<string, unknown> = {}): Promise<HTTPError> =>
      (await client
        .post(`${server!.url}/api/v1`, { json: {}, ...options })
        .catch((e: unknown) => e)) as HTTPError;
    const adapter = vendorResilience('zenhire', { pacing: false, clock: fakeTime().clock, random: () => 0 });

    // The policy's own cap: got's default limit does not cut it short, and is put back on the options.
    const byPolicy = await post(got.extend(adapter));
    expect(sent()).toBeGreaterThan(3);
    expect(byPolicy.options.retry.limit).toBe(2);

    let before = sent();
    const earlier = await post(got.extend({ retry: { limit: 1 } }, adapter));
    expect(sent() - before).toBe(2);
    expect(earlier.options.retry.limit).toBe(1);

    before = sent();
    await post(got.extend(adapter, { retry: { limit: 1 } }));
    expect(sent() - before).toBe(2);

    before = sent();
    await post(got.extend(adapter), { retry: { limit: 0 } });
    expect(sent() - before).toBe(1);

    // A limit of 2 set in the call's own options is yours, though it equals got's default.
    before = sent();
    await post(got.extend(adapter), { retry: { limit: 2 } });
    expect(sent() - before).toBe(3);

    // Your calculateDelay has the final say and may never answer 0: got's limit, even at its
    // default of 2 (set per call here, as got's own suite does), is then what stops the resends.
    before = sent();
    await post(got.extend(adapter), { retry: { limit: 2, calculateDelay: () => 1 } });
    expect(sent() - before).toBe(3);
  });
});

describe('7b. your retry.calculateDelay keeps the final say, as in got', () => {
  it("is offered the engine's wait as computedValue; its answer is what got waits; 0 stops", async () => {
    server = await startScriptedServer({
      'POST /api/v1': [zenhireWarmingUp, zenhireWarmingUp, json(202, { id: 'r1', status: 'queued' })],
    });
    const time = fakeTime();
    const offered: number[] = [];
    // pacing: false: with pacing (the default) the warm-up's backoff also closes the vendor-wide
    // gate, which holds the 5 ms resend until it opens (README, "Differences from got's retry").
    const client = got.extend(vendorResilience('zenhire', { clock: time.clock, pacing: false }), {
      retry: {
        calculateDelay: ({ computedValue }) => {
          offered.push(computedValue);
          return offered.length === 1 ? 5 : 0;
        },
      },
    });
    const error = await client
      .post(`${server.url}/api/v1/speech/analyze`, { json: {} })
      .catch((e: unknown) => e);
    // The engine asked for Retry-After 30 s (plus jitter); the caller answered 5 ms, then 0.
    expect(offered[0]).toBeGreaterThanOrEqual(30_000);
    expect(offered).toHaveLength(2);
    expect(time.waits).toEqual([]);
    expect(server.received).toHaveLength(2);
    expect(isVendorError(error) && error.decision.reason).toMatch(/your retry\.calculateDelay answered 0/);
  });

  it('an abort it schedules with process.nextTick ends the call as an abort (got test/abort.ts)', async () => {
    // got's own "abort request timeouts": the policy fails a timeout the vendor may have received
    // and the caller answers 0, but the abort it queued lands before got raises the TimeoutError.
    server = await startScriptedServer({ 'GET /silent': [() => undefined] });
    const controller = new AbortController();
    const offered: number[] = [];
    const client = got.extend(vendorResilience('audixa', { pacing: false }));
    const error = await client
      .get(`${server.url}/silent`, {
        signal: controller.signal,
        timeout: { request: 20 },
        retry: {
          limit: 1,
          calculateDelay: ({ computedValue }) => {
            offered.push(computedValue);
            process.nextTick(() => controller.abort());
            return computedValue > 0 ? 20 : 0;
          },
        },
      })
      .catch((e: unknown) => e);
    expect(offered).toEqual([0]);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    expect(server.received).toHaveLength(1);
  });
});

describe("8. the caller's options are the request's options", () => {
  let pages: Server;
  let pagesUrl = '';
  beforeEach(async () => {
    pages = createServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '1');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page < 3) headers['link'] = `<${pagesUrl}/items?page=${page + 1}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify([page]));
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    pages.closeAllConnections();
    await new Promise<void>((resolve) => pages.close(() => resolve()));
  });

  it('paginate.all on a json instance; responseType and Accept as asked', async () => {
    const client = got.extend({ responseType: 'json' }, vendorResilience('breeze'));
    expect(await client.paginate.all<number>(`${pagesUrl}/items`)).toEqual([1, 2, 3]);
    const response = await client.get(`${pagesUrl}/items?page=3`);
    expect(response.request.options.responseType).toBe('json');
    expect(response.request.options.throwHttpErrors).toBe(true);
    expect(response.body).toEqual([3]);
  });

  it("after the call the request's options are the caller's: no adapter hooks, the caller's calculateDelay", async () => {
    const client = got.extend(vendorResilience('breeze'));
    const response = await client.get(`${pagesUrl}/items?page=3`);
    const { hooks, retry } = response.request.options;
    expect([hooks.beforeRequest, hooks.afterResponse, hooks.beforeError, hooks.init]).toEqual([
      [],
      [],
      [],
      [],
    ]);
    expect(retry.calculateDelay).toBe(got.defaults.options.retry.calculateDelay);
  });

  it('sends Accept: application/json for .json(); decompress: false returns a Buffer', async () => {
    const zipped = gzipSync('hello');
    server = await startScriptedServer({
      'GET /json': [json(200, { a: 1 })],
      'GET /gz': [{ status: 200, headers: { 'content-encoding': 'gzip' }, body: zipped }],
    });
    const client = got.extend(vendorResilience('breeze'));
    expect(await client.get(`${server.url}/json`).json()).toEqual({ a: 1 });
    expect(server.received[0]?.headers.accept).toBe('application/json');
    const raw = await client.get(`${server.url}/gz`, { decompress: false });
    // The compressed bytes as got hands them out (got 14: a Buffer; 16: a Uint8Array), not text.
    expect(raw.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(raw.body as unknown as Uint8Array).equals(zipped)).toBe(true);
  });
});

describe("9. got.stream is got's Request; the promise keeps got's methods", () => {
  it('request/response/downloadProgress events, timings, ip; .json() chains and .on works', async () => {
    server = await startScriptedServer({ 'GET /audio': [{ status: 200, body: 'PCMDATA' }] });
    const client = got.extend(vendorResilience('breeze'));
    const stream = client.stream(`${server.url}/audio`);
    const events: string[] = [];
    stream.once('request', () => events.push('request'));
    stream.once('response', () => events.push('response'));
    stream.on('downloadProgress', () => events.length < 10 && events.push('progress'));
    const out: Buffer[] = [];
    await pipeline(stream, sink(out));
    expect(Buffer.concat(out).toString()).toBe('PCMDATA');
    expect(events.indexOf('request')).toBeLessThan(events.indexOf('response'));
    expect(events.indexOf('request')).toBeGreaterThanOrEqual(0);
    expect(events).toContain('progress');
    expect(stream.timings?.phases.total).toBeGreaterThanOrEqual(0);
    expect(stream.ip).toBe('127.0.0.1');
    // got exports Request only as a type: compare with the class behind plain got's stream.
    const plain = got.stream(`${server.url}/audio`);
    expect(Object.getPrototypeOf(stream)).toBe(Object.getPrototypeOf(plain));
    await pipeline(plain, sink());
    let progressed = 0;
    const body = await client
      .get(`${server.url}/audio`)
      .on('downloadProgress', () => progressed++)
      .text();
    expect(body).toBe('PCMDATA');
    expect(progressed).toBeGreaterThan(0);
  });

  it('piped-in headers are copied onto the request', async () => {
    server = await startScriptedServer({ 'POST /echo': [{ status: 200, body: 'ok' }] });
    const client = got.extend(vendorResilience('breeze'));
    const source = Object.assign(Readable.from(['x']), { headers: { 'x-piped': 'yes' } });
    await pipeline(source, client.stream.post(`${server.url}/echo`, { copyPipedHeaders: true }), sink());
    expect(server.received[0]?.headers['x-piped']).toBe('yes');
  });
});
