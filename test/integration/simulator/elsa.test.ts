import { afterEach, describe, expect, it } from '@jest/globals';
import { startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';
import { messageTypes, openWebSocket, runSession } from './ws-client.js';

const TOKEN = 'elsa-partner-token-123';
let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

function scoreForm(): FormData {
  const form = new FormData();
  form.set('api_plan', 'standard');
  form.set('sentence', 'I like apples');
  form.set('audio_file', new Blob([Buffer.alloc(1000)], { type: 'audio/wav' }), 'a.wav');
  return form;
}
const score = (path: string, auth = `ELSA ${TOKEN}`) =>
  fetch(`${sim!.url}${path}`, { method: 'POST', body: scoreForm(), headers: { authorization: auth } });

describe('elsa simulator', () => {
  it('scores scripted audio on /api/v2/score_audio', async () => {
    sim = await startVendorSimulator({ vendor: 'elsa', apiKey: TOKEN });
    const res = await score('/api/v2/score_audio');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, utterance: [{ sentence: 'I like apples' }] });
    expect(sim.requests()[0]!.headers['authorization']).toBe('[REDACTED]');
    expect(sim.requests()[0]!.bodyBytes).toBeGreaterThan(1000);
  });

  it('scores unscripted audio on /api/v1/score_audio_plus (Bearer accepted too)', async () => {
    sim = await startVendorSimulator({ vendor: 'elsa', apiKey: TOKEN });
    const res = await score('/api/v1/score_audio_plus', `Bearer ${TOKEN}`);
    expect(await res.json()).toMatchObject({ success: true, mode: 'unscripted' });
  });

  it('answers an error fault with {"error":{"code":0,"message":"ASR timeout","errors":[]}}', async () => {
    sim = await startVendorSimulator({
      vendor: 'elsa',
      faultPlan: { faults: [{ kind: 'error', code: 'ASRSocketTimeout', times: 1 }] },
    });
    const res = await score('/api/v2/score_audio');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 0, message: 'ASR timeout', errors: [] } });
    expect(sim.requests()[0]!.code).toBe('ASRSocketTimeout');
  });

  it('rejects a missing authorization header with InvalidHeaderParameter text', async () => {
    sim = await startVendorSimulator({ vendor: 'elsa', apiKey: TOKEN });
    const res = await fetch(`${sim.url}/api/v2/score_audio`, { method: 'POST', body: scoreForm() });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 0, message: 'A valid authorization header is required', errors: [] },
    });
  });

  it('streams: ELSA:start_stream → start_stream_result, audio → audioACK, end_stream → decoding_result', async () => {
    sim = await startVendorSimulator({ vendor: 'elsa', apiKey: TOKEN });
    const ws = await openWebSocket(`${sim.wsUrl}/api/v2/ws/score_audio`, { authorization: `ELSA ${TOKEN}` });
    const result = await runSession(ws, [
      { type: 'ELSA:start_stream', data: { stream_info: { api_plan: 'standard', sentence: 'Hi there' } } },
      Buffer.alloc(320),
      { type: 'ELSA:end_stream' },
    ]);
    expect(messageTypes(result.messages)).toEqual([
      'ELSA:start_stream_result',
      'ELSA:audioACK',
      'ELSA:decoding_result',
    ]);
    expect(result.messages[2]).toMatchObject({ value: { data: { stream_finished: true } } });
    expect(result.closeCode).toBe(1000);
  });

  it('sends ELSA:error and closes on a ws-error fault', async () => {
    sim = await startVendorSimulator({
      vendor: 'elsa',
      faultPlan: {
        faults: [{ kind: 'ws-error', afterMessages: 1, closeCode: 1011, message: 'ASR timeout' }],
      },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/api/v2/ws/score_audio`, { authorization: 'ELSA any' });
    const result = await runSession(ws, [
      { type: 'ELSA:start_stream', data: { stream_info: { sentence: 'Hi' } } },
      Buffer.alloc(320),
    ]);
    expect(result.messages).toEqual([
      { kind: 'json', value: { type: 'ELSA:start_stream_result', data: { status: 'success' } } },
      { kind: 'json', value: { type: 'ELSA:error', message: 'ASR timeout' } },
    ]);
    expect(result.closeCode).toBe(1011);
  });
});
