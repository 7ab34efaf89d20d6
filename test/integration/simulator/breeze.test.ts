import { afterEach, describe, expect, it } from '@jest/globals';
import { startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';

const KEY = 'brz_test_key_123';
let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const tts = (body: object, query = '') =>
  fetch(`${sim!.url}/v1/text-to-speech/voice_1${query}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'xi-api-key': KEY, 'content-type': 'application/json' },
  });
const get = (path: string) => fetch(`${sim!.url}${path}`, { headers: { 'xi-api-key': KEY } });

describe('breeze simulator', () => {
  it('answers delivery=sync with audio bytes', async () => {
    sim = await startVendorSimulator({ vendor: 'breeze', apiKey: KEY });
    const res = await tts({ text: 'Hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect((await res.arrayBuffer()).byteLength).toBe(2048);
  });

  it('runs an async job: active → ready, audio 425 GENERATION_NOT_READY + Retry-After while active', async () => {
    sim = await startVendorSimulator({ vendor: 'breeze', apiKey: KEY, pollsUntilDone: 3 });
    const created = await tts({ text: 'Hello' }, '?delivery=async');
    expect(created.status).toBe(202);
    const { generation_job_id: id } = (await created.json()) as { generation_job_id: string };

    const active = await get(`/v1/generation-jobs/${id}`);
    expect(active.headers.get('x-breeze-api-key-id')).toBeTruthy();
    expect(await active.json()).toMatchObject({ generation_job_id: id, status: 'active' });

    const notReady = await get(`/v1/generation-jobs/${id}/audio`);
    expect(notReady.status).toBe(425);
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect(await notReady.json()).toEqual({
      ok: false,
      code: 'GENERATION_NOT_READY',
      detail: 'Generation is not ready yet.',
      error: 'Generation is not ready yet.',
    });

    const ready = (await (await get(`/v1/generation-jobs/${id}`)).json()) as {
      status: string;
      download_url: string;
    };
    expect(ready.status).toBe('ready');
    const audio = await fetch(ready.download_url, { headers: { 'xi-api-key': KEY } });
    expect(audio.status).toBe(200);
    expect((await audio.arrayBuffer()).byteLength).toBe(2048);
  });

  it('reports a failed job with error:{code,detail}', async () => {
    sim = await startVendorSimulator({
      vendor: 'breeze',
      pollsUntilDone: 1,
      faultPlan: { faults: [{ kind: 'job-failure', code: 'GENERATION_TIMEOUT' }] },
    });
    const { generation_job_id: id } = (await (await tts({ text: 'Hi', delivery: 'async' })).json()) as {
      generation_job_id: string;
    };
    expect(await (await get(`/v1/generation-jobs/${id}`)).json()).toMatchObject({
      status: 'failed',
      error: { code: 'GENERATION_TIMEOUT', detail: 'Generation timed out. Please try again.' },
    });
  });

  it('answers the next 3 submits with 502 UPSTREAM_GENERATION_ERROR, then succeeds (error burst)', async () => {
    sim = await startVendorSimulator({
      vendor: 'breeze',
      faultPlan: {
        faults: [{ kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 3, match: { phase: 'submit' } }],
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await tts({ text: 'Hi' });
      statuses.push(res.status);
      if (i === 0) {
        expect(await res.json()).toEqual({
          ok: false,
          code: 'UPSTREAM_GENERATION_ERROR',
          detail: 'Generation service request failed.',
          error: 'Generation service request failed.',
        });
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([502, 502, 502, 200]);
    expect(sim.requests().map((r) => r.code)).toEqual([
      'UPSTREAM_GENERATION_ERROR',
      'UPSTREAM_GENERATION_ERROR',
      'UPSTREAM_GENERATION_ERROR',
      undefined,
    ]);
  });

  it('uses the documented status for a code (503 AUTH_CONFIG_MISSING) and 429 RATE_LIMITED for rate limits', async () => {
    sim = await startVendorSimulator({
      vendor: 'breeze',
      faultPlan: {
        faults: [
          { kind: 'error', code: 'AUTH_CONFIG_MISSING', times: 1 },
          { kind: 'rate-limit', tokensPerSecond: 1, burst: 1 },
        ],
      },
    });
    const first = await tts({ text: 'Hi' });
    expect([first.status, ((await first.json()) as { code: string }).code]).toEqual([
      503,
      'AUTH_CONFIG_MISSING',
    ]);
    expect((await tts({ text: 'Hi' })).status).toBe(200);
    const limited = await tts({ text: 'Hi' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect(((await limited.json()) as { code: string }).code).toBe('RATE_LIMITED');
  });

  it('rejects a missing xi-api-key with 401 AUTH_REQUIRED and redacts the key in the log', async () => {
    sim = await startVendorSimulator({ vendor: 'breeze', apiKey: KEY });
    const res = await fetch(`${sim.url}/v1/text-to-speech/voice_1`, { method: 'POST', body: '{"text":"x"}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('AUTH_REQUIRED');
    await (await tts({ text: 'x' })).arrayBuffer();
    const logged = sim.requests()[1]!;
    expect(logged.headers['xi-api-key']).toBe('[REDACTED]');
    expect(JSON.stringify(sim.requests())).not.toContain(KEY);
  });

  it('answers 422 VALIDATION_ERROR for a missing text', async () => {
    sim = await startVendorSimulator({ vendor: 'breeze' });
    const res = await tts({});
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_ERROR');
  });
});
