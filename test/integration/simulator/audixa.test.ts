import { afterEach, describe, expect, it } from '@jest/globals';
import { createManualClock, startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';
import { messageTypes, openWebSocket, runSession } from './ws-client.js';

const KEY = 'audixa-test-key-123';
let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const create = (body: object = { text: 'Hello from Audixa!', voice_id: 'am_ethan', model: 'base' }) =>
  fetch(`${sim!.url}/v3/tts`, { method: 'POST', body: JSON.stringify(body), headers: { 'x-api-key': KEY } });
const poll = (id: string) =>
  fetch(`${sim!.url}/v3/tts?generation_id=${id}`, { headers: { 'x-api-key': KEY } });

describe('audixa simulator: REST', () => {
  it('creates (201 IN_QUEUE) and polls GENERATING → COMPLETED with a downloadable audio_url', async () => {
    sim = await startVendorSimulator({ vendor: 'audixa', apiKey: KEY });
    const created = await create();
    expect(created.status).toBe(201);
    const { generation_id: id, status } = (await created.json()) as { generation_id: string; status: string };
    expect(status).toBe('IN_QUEUE');
    expect(await (await poll(id)).json()).toEqual({ generation_id: id, status: 'GENERATING' });
    const done = (await (await poll(id)).json()) as { status: string; audio_url: string };
    expect(done.status).toBe('COMPLETED');
    expect((await (await fetch(done.audio_url)).arrayBuffer()).byteLength).toBe(4096);
  });

  it('reports FAILED with error_message for a job-failure fault', async () => {
    sim = await startVendorSimulator({
      vendor: 'audixa',
      pollsUntilDone: 1,
      faultPlan: { faults: [{ kind: 'job-failure', message: 'Voice model crashed' }] },
    });
    const { generation_id: id } = (await (await create()).json()) as { generation_id: string };
    expect(await (await poll(id)).json()).toEqual({
      generation_id: id,
      status: 'FAILED',
      error_message: 'Voice model crashed',
    });
  });

  it('sends X-RateLimit-* headers on every response, counted per simulated minute', async () => {
    const clock = createManualClock(1_702_300_740_000);
    sim = await startVendorSimulator({ vendor: 'audixa', clock });
    const first = await create();
    expect(first.headers.get('x-ratelimit-limit')).toBe('120');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('119');
    expect(first.headers.get('x-ratelimit-reset')).toBe('1702300800');
    const missing = await poll('gen_missing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Generation not found' });
    expect(missing.headers.get('x-ratelimit-remaining')).toBe('118');
    clock.advance(60_000);
    expect((await create()).headers.get('x-ratelimit-remaining')).toBe('119');
  });

  it('answers 429 {"detail":"Rate limit exceeded. Please retry after 30 seconds."} beyond the bucket', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({
      vendor: 'audixa',
      clock,
      faultPlan: {
        faults: [
          { kind: 'rate-limit', tokensPerSecond: 1 / 30, burst: 1, match: { endpoint: 'audixa.create' } },
        ],
      },
    });
    expect((await create()).status).toBe(201);
    const limited = await create();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(await limited.json()).toEqual({ detail: 'Rate limit exceeded. Please retry after 30 seconds.' });
  });

  it('can omit Retry-After (Audixa does not document it) while keeping the wait in the text', async () => {
    sim = await startVendorSimulator({
      vendor: 'audixa',
      faultPlan: {
        faults: [
          {
            kind: 'rate-limit',
            tokensPerSecond: 0,
            burst: 1,
            retryAfterSeconds: 12,
            sendRetryAfterHeader: false,
          },
        ],
      },
    });
    await (await create()).arrayBuffer();
    const limited = await create();
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(await limited.json()).toEqual({ detail: 'Rate limit exceeded. Please retry after 12 seconds.' });
  });

  it('answers validation errors with detail and errors[]', async () => {
    sim = await startVendorSimulator({ vendor: 'audixa' });
    const res = await create({ voice_id: 'am_ethan', model: 'huge' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      detail: 'Validation error',
      errors: [
        { field: 'text', message: 'Text is required' },
        { field: 'model', message: "Model must be 'base' or 'advanced'" },
      ],
    });
  });
});

describe('audixa simulator: WebSocket stream', () => {
  it('streams started → binary chunks → completed, then closes 1000', async () => {
    sim = await startVendorSimulator({ vendor: 'audixa', apiKey: KEY });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=${KEY}`);
    const result = await runSession(ws, [{ text: 'one two three', voice_id: 'am_ethan', model: 'base' }]);
    expect(messageTypes(result.messages)).toEqual(['started', 'binary', 'binary', 'binary', 'completed']);
    expect(result.messages[0]).toMatchObject({
      value: { channel: expect.stringMatching(/^generation:gen_/) },
    });
    expect(result.closeCode).toBe(1000);
    expect(sim.requests()[0]!.path).toBe('/v3/tts/stream?api_key=[REDACTED]');
  });

  it('closes 1008 after {"type":"error","message":"Invalid API Key"} for a bad key', async () => {
    sim = await startVendorSimulator({ vendor: 'audixa', apiKey: KEY });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=wrong`);
    const result = await runSession(ws, []);
    expect(result.messages).toEqual([{ kind: 'json', value: { type: 'error', message: 'Invalid API Key' } }]);
    expect(result.closeCode).toBe(1008);
  });

  it('closes 1003 for a malformed request', async () => {
    sim = await startVendorSimulator({ vendor: 'audixa' });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=any`);
    const result = await runSession(ws, [Buffer.from('not json')]);
    expect(messageTypes(result.messages)).toEqual(['error']);
    expect(result.closeCode).toBe(1003);
  });
});
