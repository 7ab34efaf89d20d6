import { afterEach, describe, expect, it } from '@jest/globals';
import { startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';
import { parseNdjson } from './ndjson.js';
import { messageTypes, openWebSocket, runSession } from './ws-client.js';

const KEY = 'gradium-test-key-123';
let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${sim!.url}${path}`, { method: 'POST', body, headers: { 'x-api-key': KEY, ...headers } });

describe('gradium simulator: REST', () => {
  it('answers TTS with only_audio:true as raw audio bytes', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const res = await post('/api/post/speech/tts', JSON.stringify({ text: 'hi there', only_audio: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect((await res.arrayBuffer()).byteLength).toBe(2 * 960);
  });

  it('answers TTS without only_audio as a JSON message stream ending in end_of_stream', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const res = await post('/api/post/speech/tts', JSON.stringify({ text: 'hi there' }));
    expect(res.status).toBe(200);
    const types = parseNdjson(await res.text()).map((line) => line['type']);
    expect(types).toEqual(['text', 'audio', 'text', 'audio', 'end_of_stream']);
  });

  it('answers ASR with NDJSON text, end_text and end_of_stream', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const res = await post('/api/post/speech/asr', Buffer.alloc(3200), { 'content-type': 'audio/pcm' });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = parseNdjson(await res.text());
    expect(lines.map((line) => line['text']).filter(Boolean)).toEqual([
      'hello',
      'from',
      'the',
      'vendor',
      'simulator',
    ]);
    expect(lines.slice(-2).map((line) => line['type'])).toEqual(['end_text', 'end_of_stream']);
  });

  it('rejects a bad key with HTTP 500 plain text "error from server 1008: …"', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const res = await post('/api/post/speech/tts', '{"text":"x"}', { 'x-api-key': 'wrong-key-000' });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('error from server 1008: API key is revoked or expired');
  });

  it('rejects an unsupported ASR content type with raw proxy text (no prefix)', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium' });
    const res = await post('/api/post/speech/asr', Buffer.alloc(10), { 'content-type': 'audio/mpeg' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("unsupported content type for SST 'audio/mpeg'");
  });

  it('sends an error fault as "error from server 1011: …"', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'error', code: '1011', times: 1, match: { endpoint: 'gradium.tts' } }] },
    });
    const first = await post('/api/post/speech/tts', '{"text":"x","only_audio":true}');
    expect([first.status, await first.text()]).toEqual([
      500,
      'error from server 1011: Internal server error',
    ]);
    const second = await post('/api/post/speech/tts', '{"text":"x","only_audio":true}');
    expect(second.status).toBe(200);
  });
});

describe('gradium simulator: WebSocket', () => {
  it('runs a TTS session: setup → ready → text/audio → end_of_stream, then closes 1000', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`, { 'x-api-key': KEY });
    const result = await runSession(ws, [
      { type: 'setup', model_name: 'default', voice_id: 'YTpq7expH9539ERJ', output_format: 'pcm' },
      { type: 'text', text: 'hello world' },
      { type: 'end_of_stream' },
    ]);
    expect(messageTypes(result.messages)).toEqual([
      'ready',
      'text',
      'audio',
      'text',
      'audio',
      'end_of_stream',
    ]);
    expect(result.closeCode).toBe(1000);
    const record = sim.requests()[0]!;
    expect(record.wsMessagesReceived.map((m) => JSON.parse(m.text ?? '{}').type)).toEqual([
      'setup',
      'text',
      'end_of_stream',
    ]);
    expect(record.headers['x-api-key']).toBe('[REDACTED]');
  });

  it('runs an ASR session: binary audio → text, end_of_stream → end_text, end_of_stream', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium' });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/asr`);
    const result = await runSession(ws, [
      { type: 'setup', model_name: 'default', input_format: 'pcm' },
      Buffer.alloc(640),
      Buffer.alloc(640),
      { type: 'end_of_stream' },
    ]);
    expect(messageTypes(result.messages)).toEqual(['ready', 'text', 'text', 'end_text', 'end_of_stream']);
    expect(result.closeCode).toBe(1000);
  });

  it('closes with error code 1008 when the first message is not setup', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium' });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`);
    const result = await runSession(ws, [{ type: 'text', text: 'too early' }]);
    expect(result.messages).toEqual([
      { kind: 'json', value: { type: 'error', message: 'missing or malformed setup message', code: 1008 } },
    ]);
    expect(result.closeCode).toBe(1008);
  });

  it('sends error 1008 then closes 1008 for a bad API key', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`, { 'x-api-key': 'not-the-key' });
    const result = await runSession(ws, []);
    expect(result.messages[0]).toEqual({
      kind: 'json',
      value: { type: 'error', message: 'API key is revoked or expired', code: 1008 },
    });
    expect(result.closeCode).toBe(1008);
  });

  it('accepts a minted browser token once and rejects its reuse (tokens are single-use)', async () => {
    sim = await startVendorSimulator({ vendor: 'gradium', apiKey: KEY });
    const minted = (await (
      await fetch(`${sim.url}/api/api-keys/token`, { headers: { 'x-api-key': KEY } })
    ).json()) as {
      token: string;
      expires_at: string;
    };
    expect(typeof minted.expires_at).toBe('string');
    const first = await openWebSocket(`${sim.wsUrl}/api/speech/tts?token=${minted.token}`);
    const ok = await runSession(first, [{ type: 'setup', voice_id: 'v' }, { type: 'end_of_stream' }]);
    expect(ok.closeCode).toBe(1000);
    const reused = await openWebSocket(`${sim.wsUrl}/api/speech/tts?token=${minted.token}`);
    expect((await runSession(reused, [])).closeCode).toBe(1008);
    expect(sim.requests().every((r) => !r.path.includes(minted.token))).toBe(true);
  });
});
