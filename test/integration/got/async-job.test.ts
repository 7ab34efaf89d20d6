import { afterEach, describe, expect, it } from '@jest/globals';
import { isVendorError } from '../../../lib/index.js';
import { presetJob, runVendorJob, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = (status: string, extra: Record<string, unknown> = {}) =>
  json(200, { id: 'req_1', status, ...extra });

describe('runVendorJob', () => {
  it('ZenHire: warming-up submit, then polls on the server schedule through POLL_RATE_LIMITED to success', async () => {
    const warming = json(
      503,
      { error: { code: 'SERVICE_WARMING_UP', message: 'w', timestamp: 't', retryAfterSeconds: 30 } },
      { 'retry-after': '30' },
    );
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [
        warming,
        json(202, { id: 'req_1', status: 'queued', pollIntervalSeconds: 20 }),
      ],
      'GET /api/v1/speech/analyze/req_1': [
        run('processing', { pollIntervalSeconds: 12 }),
        json(
          429,
          { error: { code: 'POLL_RATE_LIMITED', message: 'slow', timestamp: 't', retryAfterSeconds: 10 } },
          { 'retry-after': '11' },
        ),
        run('success', { result: { cefr: 'B2' } }),
      ],
    });
    const time = fakeTime();
    const events: DecisionEvent[] = [];
    const result = await runVendorJob(
      'zenhire',
      presetJob('zenhire', {
        baseUrl: server.url,
        submit: { headers: { 'x-api-key': 'zh_key' }, json: { language: 'en' } },
      }),
      { clock: time.clock, random: () => 0, onDecision: (e) => events.push(e) },
    );
    expect(result).toEqual({
      body: { id: 'req_1', status: 'success', result: { cefr: 'B2' } },
      jobId: 'req_1',
      submissions: 1,
      polls: 4,
    });
    expect(server.to('/api/v1/speech/analyze/req_1')).toHaveLength(3);
    expect(server.received.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(server.to('/api/v1/speech/analyze/req_1').every((r) => r.headers['x-api-key'] === 'zh_key')).toBe(
      true,
    );
    // warming 30 s; first poll after pollIntervalSeconds 20; then 12 s; then Retry-After 11 s.
    expect(time.waits).toEqual([30_000, 20_000, 12_000, 11_000]);
    const polls = events.filter((e) => e.phase === 'poll');
    expect(polls.map((e) => e.decision.code ?? e.decision.action)).toEqual([
      'poll',
      'poll',
      'POLL_RATE_LIMITED',
      'ok',
    ]);
    expect(polls.every((e) => e.decision.action !== 'fail')).toBe(true);
  });

  it('ZenHire: enforces the 10 s minimum even when the server asks to poll sooner', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [json(202, { id: 'req_1', status: 'queued', pollIntervalSeconds: 1 })],
      'GET /api/v1/speech/analyze/req_1': [run('success')],
    });
    const time = fakeTime();
    await runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      clock: time.clock,
      random: () => 0,
    });
    expect(time.waits).toEqual([10_000]);
  });

  it('ZenHire: resubmits a TRANSCRIPTION_FAILED run once, then fails when the resubmit budget is spent', async () => {
    const failed = run('failed', { error: { code: 'TRANSCRIPTION_FAILED', message: 'audio' } });
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [json(202, { id: 'req_1', status: 'queued' })],
      'GET /api/v1/speech/analyze/req_1': [failed],
    });
    const time = fakeTime();
    const events: DecisionEvent[] = [];
    const error = await runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      clock: time.clock,
      onDecision: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.code).toBe('TRANSCRIPTION_FAILED');
    expect(error.action).toBe('fail');
    expect(error.attempts).toBe(2);
    expect(error.requestId).toBe('req_1');
    expect(server.received.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(events.filter((e) => e.decision.action === 'resubmit')).toHaveLength(1);
  });

  it('ZenHire: fails fast on TRANSCRIPTION_LOW_CONFIDENCE without resubmitting', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [json(202, { id: 'req_1', status: 'queued' })],
      'GET /api/v1/speech/analyze/req_1': [
        run('failed', { error: { code: 'TRANSCRIPTION_LOW_CONFIDENCE', message: 'lang' } }),
      ],
    });
    const time = fakeTime();
    const error = await runVendorJob('zenhire', presetJob('zenhire', { baseUrl: server.url, submit: {} }), {
      clock: time.clock,
    }).catch((e: unknown) => e);
    expect(isVendorError(error) && error.code).toBe('TRANSCRIPTION_LOW_CONFIDENCE');
    expect(server.received.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('Breeze: polls through 425 GENERATION_NOT_READY on Retry-After and a transient poll 502', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech/v1': [json(200, { generation_job_id: 'job_9', status: 'active' })],
      'GET /v1/generation-jobs/job_9': [
        json(
          425,
          { ok: false, code: 'GENERATION_NOT_READY', detail: 'd', error: 'd' },
          { 'retry-after': '3' },
        ),
        json(502, { ok: false, code: 'UPSTREAM_GENERATION_ERROR', detail: 'd', error: 'd' }),
        json(200, { generation_job_id: 'job_9', status: 'ready', download_url: 'https://x/a.mp3' }),
      ],
    });
    const time = fakeTime();
    const result = await runVendorJob(
      'breeze',
      presetJob('breeze', {
        baseUrl: server.url,
        voiceId: 'v1',
        submit: { headers: { 'xi-api-key': 'brz_k' }, json: { text: 'hi', delivery: 'async' } },
      }),
      { clock: time.clock, random: () => 0 },
    );
    expect(result.body).toMatchObject({ status: 'ready', download_url: 'https://x/a.mp3' });
    expect(server.to('/v1/generation-jobs/job_9')).toHaveLength(3);
    expect(time.waits[1]).toBe(3_000);
  });

  it('Audixa: polls every 1–2 s until COMPLETED', async () => {
    server = await startScriptedServer({
      'POST /v3/tts': [json(201, { generation_id: 'gen_1', status: 'IN_QUEUE' })],
      'GET /v3/tts': [
        json(200, { generation_id: 'gen_1', status: 'GENERATING' }),
        json(200, { generation_id: 'gen_1', status: 'COMPLETED', audio_url: 'u' }),
      ],
    });
    const time = fakeTime();
    const result = await runVendorJob(
      'audixa',
      presetJob('audixa', { baseUrl: server.url, submit: { json: { text: 't' } } }),
      {
        clock: time.clock,
      },
    );
    expect(result.body).toMatchObject({ status: 'COMPLETED', audio_url: 'u' });
    expect(server.to('/v3/tts?generation_id=gen_1')).toHaveLength(2);
    for (const w of time.waits) {
      expect(w).toBeGreaterThanOrEqual(1000);
      expect(w).toBeLessThanOrEqual(2000);
    }
  });

  it("stops at the policy's polling deadline instead of starting a wait past it", async () => {
    server = await startScriptedServer({
      'POST /v3/tts': [json(201, { generation_id: 'gen_1', status: 'IN_QUEUE' })],
      'GET /v3/tts': [json(200, { generation_id: 'gen_1', status: 'GENERATING' })],
    });
    const time = fakeTime();
    const error = await runVendorJob('audixa', presetJob('audixa', { baseUrl: server.url, submit: {} }), {
      clock: time.clock,
    }).catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.message).toMatch(/polling deadline leaves/);
    expect(time.waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(360_000);
  });
});

describe('a job paces with the API key it sends, as a call does', () => {
  it("a 429 on the job's submit closes the gate of its key's pacer, which the key's calls share", async () => {
    const limited = json(
      429,
      { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow', timestamp: 't', retryAfterSeconds: 30 } },
      { 'retry-after': '30' },
    );
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [limited, json(202, { id: 'req_1', status: 'queued' })],
      'GET /api/v1/speech/analyze/req_1': [run('success')],
    });
    const time = fakeTime();
    const pacing = createPacing({ clock: time.clock, retryBudget: false });
    try {
      const key = 'zh_job_pacer_key_1234';
      const gateOf = (credential: string | undefined) =>
        pacing.pacer({ vendor: 'zenhire', credential }).settings().gateOpenAtMs;
      const before = time.clock.now();
      await runVendorJob(
        'zenhire',
        presetJob('zenhire', { baseUrl: server.url, submit: { headers: { 'x-api-key': key }, json: {} } }),
        { clock: time.clock, pacing },
      );
      // The gate the 429 closed (30 s) is the key's, not a key-less one of the vendor's.
      expect(gateOf(key)).toBeGreaterThanOrEqual(before + 30_000);
      expect(gateOf(undefined)).toBe(0);
    } finally {
      await pacing.close();
    }
  });
});
