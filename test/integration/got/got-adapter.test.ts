import { afterEach, describe, expect, it } from '@jest/globals';
import got, { HTTPError } from 'got';
import { isVendorError, type Decision } from '../../../lib/index.js';
import { vendorResilience, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

const warming = json(
  503,
  { error: { code: 'SERVICE_WARMING_UP', message: 'warming', timestamp: 't', retryAfterSeconds: 45 } },
  { 'retry-after': '45' },
);
const accepted = json(202, { id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('vendorResilience (got promise API)', () => {
  it('reports a first try accepted at once to onDecision: attempt 1, its status, a call id per call', async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [accepted, accepted] });
    const events: DecisionEvent[] = [];
    const client = got.extend(
      { prefixUrl: server.url },
      vendorResilience('zenhire', { onDecision: (e) => events.push(e) }),
    );
    await client.post('api/v1/speech/analyze', { json: {} }).json();
    await client.post('api/v1/speech/analyze', { json: {} }).json();
    expect(events.map((e) => [e.vendor, e.phase, e.attempt, e.status, e.decision.action])).toEqual([
      ['zenhire', 'submit', 1, 202, 'ok'],
      ['zenhire', 'submit', 1, 202, 'ok'],
    ]);
    expect(events[0]?.callId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[1]?.callId).not.toBe(events[0]?.callId);
  });

  it('waits out 503 SERVICE_WARMING_UP three times, never sooner than Retry-After, then returns the 202', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [warming, warming, warming, accepted],
    });
    const time = fakeTime();
    const events: DecisionEvent[] = [];
    const client = got.extend(
      { prefixUrl: server.url },
      vendorResilience('zenhire', {
        clock: time.clock,
        random: () => 0.5,
        onDecision: (e) => events.push(e),
      }),
    );
    const body = await client
      .post('api/v1/speech/analyze', { json: { language: 'en' } })
      .json<{ id: string }>();
    expect(body).toEqual({ id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });
    expect(server.to('/api/v1/speech/analyze')).toHaveLength(4);
    expect(server.received.every((r) => r.body === '{"language":"en"}')).toBe(true);
    expect(events.map((e) => e.decision.action)).toEqual(['backoff', 'backoff', 'backoff', 'ok']);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(time.waits).toHaveLength(3);
    for (const w of time.waits) {
      expect(w).toBeGreaterThanOrEqual(45_000);
      expect(w).toBeLessThanOrEqual(45_000 * 1.2);
    }
    expect(time.waits).toEqual(events.slice(0, 3).map((e) => e.decision.delayMs));
  });

  it('fails a Breeze 502 UPSTREAM_GENERATION_SERVICE_ERROR after exactly one request', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(502, {
          ok: false,
          code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
          detail: 'Generation service request failed.',
          error: 'x',
        }),
        json(200, { ok: true }),
      ],
    });
    const time = fakeTime();
    const client = got.extend(vendorResilience('breeze', { clock: time.clock }));
    const error = await caught(
      client.post(`${server.url}/v1/text-to-speech/voice1`, { json: { text: 'hi' } }),
    );
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.vendorCode).toBe('UPSTREAM_GENERATION_SERVICE_ERROR');
    expect(error).toBeInstanceOf(HTTPError);
    expect(error.action).toBe('fail');
    expect(error.status).toBe(502);
    expect(error.attempts).toBe(1);
    expect(server.received).toHaveLength(1);
    expect(time.waits).toEqual([]);
  });

  it('retries a Breeze 502 UPSTREAM_GENERATION_ERROR and returns the success', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(502, { ok: false, code: 'UPSTREAM_GENERATION_ERROR', detail: 'd', error: 'd' }),
        { status: 200, body: 'AUDIO' },
      ],
    });
    const time = fakeTime();
    const client = got.extend(vendorResilience('breeze', { clock: time.clock, random: () => 0 }));
    const audio = await client.post(`${server.url}/v1/text-to-speech/v`, { json: { text: 'hi' } }).buffer();
    // got 16 hands out a Uint8Array, got 14 a Buffer.
    expect(Buffer.from(audio).toString()).toBe('AUDIO');
    expect(server.received).toHaveLength(2);
    expect(time.waits).toHaveLength(1);
  });

  it('fails a Gradium 500 "error from server 1008" after one request and retries 1011', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/tts': [
        { status: 500, body: 'error from server 1008: API key is revoked or expired' },
      ],
      'POST /api/post/speech/asr': [
        { status: 500, body: 'error from server 1011: internal' },
        { status: 200, body: '{"type":"text","text":"hi"}\n' },
      ],
    });
    const time = fakeTime();
    const client = got.extend({ prefixUrl: server.url }, vendorResilience('gradium', { clock: time.clock }));
    const error = await caught(client.post('api/post/speech/tts', { json: { text: 'x', only_audio: true } }));
    expect(isVendorError(error) && error.vendorCode).toBe('1008');
    expect(server.to('/api/post/speech/tts')).toHaveLength(1);
    const text = await client.post('api/post/speech/asr', { body: 'RIFF' }).text();
    expect(text).toBe('{"type":"text","text":"hi"}\n');
    expect(server.to('/api/post/speech/asr')).toHaveLength(2);
  });

  it('fails a 200 whose body is an error envelope (Gradium silent empty 200)', async () => {
    server = await startScriptedServer({ 'POST /api/post/speech/asr': [{ status: 200, body: '' }] });
    const client = got.extend(vendorResilience('gradium'));
    const error = await caught(client.post(`${server.url}/api/post/speech/asr`, { body: 'RIFF' }));
    expect(isVendorError(error) && error.action).toBe('fail');
    expect(server.received).toHaveLength(1);
  });

  it('reuses the per-attempt idempotency header across tries and numbers the tries', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'd', error: 'd' }),
        json(200, { ok: true }),
      ],
    });
    const time = fakeTime();
    const client = got.extend(
      vendorResilience('breeze', {
        clock: time.clock,
        attemptHeaders: ({ callId, attempt }) => ({
          'idempotency-key': callId,
          'x-attempt': String(attempt),
        }),
      }),
    );
    await client.post(`${server.url}/v1/text-to-speech/v`, { json: {} });
    const [first, second] = server.received;
    expect(first?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect([first?.headers['x-attempt'], second?.headers['x-attempt']]).toEqual(['1', '2']);
  });

  it('does not start a wait that the deadline cannot fit, and says why', async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [warming, accepted] });
    const time = fakeTime();
    const client = got.extend(vendorResilience('zenhire', { clock: time.clock, deadlineMs: 10_000 }));
    const error = await caught(client.post(`${server.url}/api/v1/speech/analyze`, { json: {} }));
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.decision.reason).toMatch(/deadline leaves 10 s, too little for that wait/);
    expect(error.retryAfterMs).toBe(45_000);
    expect(server.received).toHaveLength(1);
    expect(time.waits).toEqual([]);
  });

  it('gives up when the engine says the attempts are exhausted', async () => {
    const down = json(500, { ok: false, code: 'INTERNAL_ERROR', detail: 'd', error: 'd' });
    server = await startScriptedServer({ 'POST /v1/text-to-speech': [down] });
    const time = fakeTime();
    const decisions: Decision[] = [];
    const client = got.extend(
      vendorResilience('breeze', {
        clock: time.clock,
        onDecision: (e) => decisions.push(e.decision),
      }),
    );
    const error = await caught(client.post(`${server.url}/v1/text-to-speech/v`, { json: {} }));
    expect(isVendorError(error) && error.attempts).toBe(3);
    expect(server.received).toHaveLength(3);
    expect(decisions.map((d) => d.action)).toEqual(['retry', 'retry', 'fail']);
  });

  it('retries a refused connection (never sent) and fails a reset POST (maybe delivered) at once', async () => {
    server = await startScriptedServer({
      'POST /reset': [(res) => res.socket?.destroy()],
    });
    const time = fakeTime();
    const decisions: Decision[] = [];
    const client = got.extend(
      vendorResilience('zenhire', {
        clock: time.clock,
        onDecision: (e) => decisions.push(e.decision),
      }),
    );
    const reset = await caught(client.post(`${server.url}/reset`, { json: {} }));
    expect(isVendorError(reset) && reset.action).toBe('fail');
    expect(server.received).toHaveLength(1);
    const closed = await startScriptedServer({});
    const deadUrl = closed.url;
    await closed.close();
    decisions.length = 0;
    const refused = await caught(client.post(`${deadUrl}/x`, { json: {} }));
    expect(isVendorError(refused)).toBe(true);
    expect(decisions.map((d) => d.action)).toEqual(['retry', 'retry', 'retry', 'fail']);
  });
});
