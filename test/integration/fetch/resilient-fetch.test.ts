import { afterEach, describe, expect, it } from '@jest/globals';
import ky from 'ky';
import { inspect } from 'node:util';
import { isVendorError, type VendorFailure } from '../../../lib/index.js';
import { resilientFetch, type ResilientFetchOptions } from '../../../lib/adapters/fetch/index.js';
import type { DecisionEvent } from '../../../lib/run/run-options.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import {
  createManualClock,
  startVendorSimulator,
  type FaultPlan,
  type ManualClock,
  type VendorName,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

// Issue 15 item 1: resilientFetch against the vendor simulator (real loopback, no mocks). The API
// key is a canary that must not appear in any error view.

const CANARY = 'sk_live_canary_fetch_7c2e91d4b8a3';
const START_MS = Date.UTC(2026, 0, 1);

let sim: VendorSimulator | undefined;
let pacing: Pacing | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await pacing?.close();
  pacing = undefined;
});

interface Rig {
  sim: VendorSimulator;
  clock: ManualClock;
  events: DecisionEvent[];
  fetch: ReturnType<typeof resilientFetch>;
}

/** A simulator of `vendor` with `faults` and a resilientFetch for it, on one self-advancing manual clock. */
async function rig(
  vendor: VendorName,
  faults: FaultPlan['faults'],
  options: ResilientFetchOptions = {},
): Promise<Rig> {
  const clock = createManualClock(START_MS, { autoAdvance: true });
  sim = await startVendorSimulator({ vendor, apiKey: CANARY, clock, faultPlan: { faults } });
  const events: DecisionEvent[] = [];
  const fetch = resilientFetch(vendor, {
    clock,
    pacing: false,
    onDecision: (event) => events.push(event),
    ...options,
  });
  return { sim, clock, events, fetch };
}

/** Every text view of an error: message, stack, inspect, JSON, its cause. */
function views(error: unknown): string {
  return [
    String(error),
    (error as Error).stack ?? '',
    inspect(error, { depth: 8, showHidden: true }),
    JSON.stringify(error),
    inspect((error as { cause?: unknown }).cause, { depth: 8 }),
  ].join('\n');
}

async function failureOf(promise: Promise<unknown>): Promise<VendorFailure & { response?: Response }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isVendorError(error)) throw new Error(`expected a VendorError, got ${inspect(error)}`);
  expect(views(error)).not.toContain(CANARY);
  return error as VendorFailure & { response?: Response };
}

const zenhireSubmit = (url: string) =>
  new Request(`${url}/api/v1/speech/analyze`, {
    method: 'POST',
    headers: { 'x-api-key': CANARY, 'content-type': 'application/json' },
    body: JSON.stringify({ audioUrl: 'https://example.com/a.wav' }),
  });

describe('resilientFetch against the simulator', () => {
  it('waits out a ZenHire warm-up (503 SERVICE_WARMING_UP ×2, Retry-After), then resolves with the 202 untouched', async () => {
    const { fetch, sim, clock, events } = await rig(
      'zenhire',
      [{ kind: 'warm-up', durationMs: 50_000, retryAfterSeconds: 30, match: { endpoint: 'zenhire.submit' } }],
      { attemptHeaders: ({ callId }) => ({ 'idempotency-key': callId }) },
    );
    const response = await fetch(zenhireSubmit(sim.url));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'queued' });
    expect(sim.requests().map((r) => r.status)).toEqual([503, 503, 202]);
    expect(events.map((e) => e.decision.action)).toEqual(['backoff', 'backoff', 'ok']);
    // The request body (a Request's, read once) went out on every try.
    expect(new Set(sim.requests().map((r) => r.bodyBytes))).toEqual(new Set([sim.requests()[0]!.bodyBytes]));
    expect(clock.now() - START_MS).toBeGreaterThanOrEqual(60_000);
    // attemptHeaders: one key for every try of the call.
    const keys = sim.requests().map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys)).toEqual(new Set([events[0]!.callId]));
  });

  it('retries a 429 on submit after the announced wait, through a pacing', async () => {
    const clock = createManualClock(START_MS, { autoAdvance: true });
    pacing = createPacing({ clock });
    sim = await startVendorSimulator({
      vendor: 'zenhire',
      apiKey: CANARY,
      clock,
      faultPlan: {
        faults: [{ kind: 'error', code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterSeconds: 7, times: 1 }],
      },
    });
    const fetch = resilientFetch('zenhire', { clock, pacing });
    const response = await fetch(zenhireSubmit(sim.url));
    expect(response.status).toBe(202);
    expect(sim.requests().map((r) => r.status)).toEqual([429, 202]);
    const [first, second] = sim.requests();
    expect(second!.receivedAtMs - first!.receivedAtMs).toBeGreaterThanOrEqual(7_000);
  });

  const breezeTts = (url: string) =>
    [
      `${url}/v1/text-to-speech/voice_1`,
      {
        method: 'POST',
        headers: { 'xi-api-key': CANARY, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Hello' }),
      },
    ] as const;

  it('retries Breeze 502 UPSTREAM_GENERATION_ERROR and streams the audio body of the 200', async () => {
    const { fetch, sim } = await rig('breeze', [
      { kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 2, match: { endpoint: 'breeze.tts' } },
    ]);
    const response = await fetch(...breezeTts(sim.url));
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(2048);
    expect(sim.requests().map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('fails Breeze 502 UPSTREAM_GENERATION_SERVICE_ERROR at once: a VendorError carrying the Response, body unread', async () => {
    const { fetch, sim } = await rig('breeze', [
      {
        kind: 'error',
        code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
        times: 1,
        match: { endpoint: 'breeze.tts' },
      },
    ]);
    const error = await failureOf(fetch(...breezeTts(sim.url)));
    expect(error).toMatchObject({
      action: 'fail',
      status: 502,
      vendorCode: 'UPSTREAM_GENERATION_SERVICE_ERROR',
      attempts: 1,
    });
    expect(sim.requests()).toHaveLength(1);
    expect(error.response?.status).toBe(502);
    expect(await error.response?.json()).toMatchObject({ code: 'UPSTREAM_GENERATION_SERVICE_ERROR' });
    expect(JSON.stringify(error)).not.toContain('"response"');
  });

  it('throwOnFail: false resolves with the failing Response instead', async () => {
    const { fetch, sim } = await rig(
      'breeze',
      [
        {
          kind: 'error',
          code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
          times: 1,
          match: { endpoint: 'breeze.tts' },
        },
      ],
      { throwOnFail: false },
    );
    const response = await fetch(...breezeTts(sim.url));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'UPSTREAM_GENERATION_SERVICE_ERROR' });
  });

  it('fails Gradium "error from server 1008:" (a bad key) at once, the key found nowhere', async () => {
    const { fetch, sim } = await rig('gradium', []);
    const error = await failureOf(
      fetch(`${sim.url}/api/post/speech/tts?api_key=${CANARY}`, {
        method: 'POST',
        headers: { 'x-api-key': `${CANARY}-revoked`, 'content-type': 'application/json' },
        body: '{"text":"x","only_audio":true}',
      }),
    );
    expect(error).toMatchObject({ action: 'fail', status: 500, attempts: 1 });
    expect(error.vendorCode).toBe('1008');
    expect(sim.requests()).toHaveLength(1);
  });

  it('retries Gradium "error from server 1011:" (prefix, transient)', async () => {
    const { fetch, sim } = await rig('gradium', [
      { kind: 'error', code: '1011', times: 1, match: { endpoint: 'gradium.tts' } },
    ]);
    const response = await fetch(`${sim.url}/api/post/speech/tts`, {
      method: 'POST',
      headers: { 'x-api-key': CANARY, 'content-type': 'application/json' },
      body: '{"text":"x","only_audio":true}',
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(sim.requests().map((r) => r.status)).toEqual([500, 200]);
  });

  it('waits the Audixa 429 wait its answer announces without a Retry-After header', async () => {
    const { fetch, sim, events } = await rig('audixa', [
      {
        kind: 'rate-limit',
        tokensPerSecond: 1 / 12,
        burst: 1,
        retryAfterSeconds: 12,
        sendRetryAfterHeader: false,
        match: { endpoint: 'audixa.create' },
      },
    ]);
    const create = () =>
      fetch(`${sim.url}/v3/tts`, {
        method: 'POST',
        headers: { 'x-api-key': CANARY, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Hello there', voice_id: 'am_ethan' }),
      });
    await (await create()).arrayBuffer();
    const response = await create();
    expect(response.status).toBe(201);
    const [, limited, accepted] = sim.requests();
    expect(limited!.status).toBe(429);
    expect(limited!.headers['retry-after']).toBeUndefined();
    expect(accepted!.receivedAtMs - limited!.receivedAtMs).toBeGreaterThanOrEqual(12_000);
    expect(events[1]?.decision).toMatchObject({ action: 'backoff' });
    expect(events[1]?.decision.delaySource).not.toBe('computed');
  });

  it("fails ELSA's ClientHasNoMoreMinutes with the vendor's message text", async () => {
    const { fetch, sim } = await rig('elsa', [
      { kind: 'error', code: 'ClientHasNoMoreMinutes', times: 1, match: { endpoint: 'elsa.score-audio' } },
    ]);
    const form = new FormData();
    form.set('sentence', 'hello world');
    form.set('audio_data', new Blob([new Uint8Array(64)]), 'a.wav');
    const error = await failureOf(
      fetch(`${sim.url}/api/v2/score_audio`, {
        method: 'POST',
        headers: { authorization: `ELSA ${CANARY}` },
        body: form,
      }),
    );
    expect(error.status).toBe(403);
    expect(error.vendorMessage).toContain('User has no remaining minutes');
  });

  it('reads a dropped connection by its socket code (UND_ERR_SOCKET, not "fetch failed"): a submit is not resent', async () => {
    const { fetch, sim, events } = await rig('breeze', [
      { kind: 'drop', when: 'before-response', times: 1, match: { endpoint: 'breeze.tts' } },
    ]);
    const error = await failureOf(fetch(...breezeTts(sim.url)));
    expect(error.decision.reason).toContain('UND_ERR_SOCKET');
    expect(error.action).toBe('fail');
    expect(sim.requests().map((r) => r.outcome)).toEqual(['dropped-before-response']);
    expect(events.map((e) => e.decision.action)).toEqual(['fail']);
  });

  it('resends a refused connection (never sent) until the policy gives up', async () => {
    const { fetch, sim } = await rig('breeze', []);
    const [url, init] = breezeTts(sim.url);
    await sim.close();
    const error = await failureOf(fetch(url, init));
    expect(error.decision.reason).toContain('ECONNREFUSED');
    expect(error.attempts).toBeGreaterThan(1);
  });

  it('a deadline the next wait cannot fit in fails the call with the last Response', async () => {
    const { fetch, sim } = await rig(
      'zenhire',
      [{ kind: 'warm-up', durationMs: 50_000, retryAfterSeconds: 30, match: { endpoint: 'zenhire.submit' } }],
      { deadlineMs: 10_000 },
    );
    const error = await failureOf(fetch(zenhireSubmit(sim.url)));
    expect(error).toMatchObject({ action: 'fail', status: 503, attempts: 1 });
    expect(error.decision.reason).toContain('deadline');
    expect(error.response?.status).toBe(503);
    expect(sim.requests()).toHaveLength(1);
  });

  it('gives up a one-shot stream body instead of retrying it', async () => {
    const { fetch, sim, events } = await rig('breeze', [
      { kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 1, match: { endpoint: 'breeze.tts' } },
    ]);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"text":"Hello"}'));
        controller.close();
      },
    });
    const error = await failureOf(
      fetch(`${sim.url}/v1/text-to-speech/voice_1`, {
        method: 'POST',
        headers: { 'xi-api-key': CANARY, 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    expect(error.action).toBe('fail');
    expect(error.decision.reason).toContain('stream');
    expect(sim.requests()).toHaveLength(1);
    expect(events.at(-1)?.decision.action).toBe('fail');
  });

  it("the adapter's signal option cancels its calls too", async () => {
    const controller = new AbortController();
    const { fetch, sim } = await rig('breeze', [], { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(fetch(...breezeTts(sim.url))).rejects.toThrow('shutting down');
    expect(sim.requests()).toHaveLength(0);
  });

  it('sends a body over maxReplayBodyBytes whole, once: a retry the engine asks for fails the call', async () => {
    const { fetch, sim } = await rig(
      'breeze',
      [{ kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 1, match: { endpoint: 'breeze.tts' } }],
      { maxReplayBodyBytes: 4 },
    );
    const [url, init] = breezeTts(sim.url);
    const error = await failureOf(fetch(new Request(url, init)));
    expect(error.decision.reason).toContain('maxReplayBodyBytes');
    expect(sim.requests().map((r) => [r.status, r.bodyBytes])).toEqual([[502, init.body.length]]);
  });

  it("the caller's signal ends a wait at once, with the caller's reason, and nothing is sent after", async () => {
    const clock = createManualClock(START_MS);
    sim = await startVendorSimulator({
      vendor: 'zenhire',
      apiKey: CANARY,
      clock,
      faultPlan: {
        faults: [{ kind: 'error', code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterSeconds: 30 }],
      },
    });
    const controller = new AbortController();
    const fetch = resilientFetch('zenhire', { clock, pacing: false });
    const pending = fetch(zenhireSubmit(sim.url), { signal: controller.signal });
    while (clock.pendingWaits() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const reason = new Error('user went away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(clock.pendingWaits()).toBe(0);
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sim.requests()).toHaveLength(1);
  });
});

describe('ky given fetch: resilientFetch(…)', () => {
  it('survives a warm-up and a 429 with its own retry off', async () => {
    const { fetch, sim } = await rig('zenhire', [
      { kind: 'error', code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterSeconds: 3, times: 1 },
      { kind: 'warm-up', durationMs: 20_000, retryAfterSeconds: 30, match: { endpoint: 'zenhire.submit' } },
    ]);
    const api = ky.create({
      prefixUrl: sim.url,
      fetch,
      retry: 0,
      timeout: false,
      headers: { 'x-api-key': CANARY },
    });
    const job = await api
      .post('api/v1/speech/analyze', { json: { audioUrl: 'https://example.com/a.wav' } })
      .json();
    expect(job).toMatchObject({ status: 'queued' });
    expect(sim.requests().map((r) => r.status)).toEqual([429, 503, 202]);
  });

  it('ky sees the VendorError of a fatal answer (Breeze UPSTREAM_GENERATION_SERVICE_ERROR)', async () => {
    const { fetch, sim } = await rig('breeze', [
      {
        kind: 'error',
        code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
        times: 1,
        match: { endpoint: 'breeze.tts' },
      },
    ]);
    const api = ky.create({
      prefixUrl: sim.url,
      fetch,
      retry: 0,
      timeout: false,
      headers: { 'xi-api-key': CANARY },
    });
    const error = await failureOf(
      api.post('v1/text-to-speech/voice_1', { json: { text: 'Hi' } }).arrayBuffer(),
    );
    expect(error.status).toBe(502);
  });
});

describe('resilientFetch checks its arguments up front', () => {
  it.each([
    [() => resilientFetch(null as never), /^resilientFetch\(policy\): expected a built-in vendor name/],
    [
      () => resilientFetch('breeze', { fetch: 42 as never }),
      /^resilientFetch\(options\.fetch\): expected a function/,
    ],
    [
      () => resilientFetch('breeze', { throwOnFail: 'no' as never }),
      /^resilientFetch\(options\.throwOnFail\): expected a boolean/,
    ],
    [
      () => resilientFetch('breeze', { maxReplayBodyBytes: -1 }),
      /^resilientFetch\(options\.maxReplayBodyBytes\): expected a whole number of bytes/,
    ],
  ])('%#', (call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });
});
