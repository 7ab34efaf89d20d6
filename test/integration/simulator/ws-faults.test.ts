import { afterEach, describe, expect, it } from '@jest/globals';
import { createManualClock, startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';
import { messageTypes, openWebSocket, runSession, UpgradeRejected } from './ws-client.js';

let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const SETUP = { type: 'setup', model_name: 'default', voice_id: 'v', output_format: 'pcm' };
const ttsSession = async () => {
  const ws = await openWebSocket(`${sim!.wsUrl}/api/speech/tts`);
  return runSession(ws, [SETUP, { type: 'text', text: 'a b c d' }, { type: 'end_of_stream' }]);
};

async function rejection(url: string): Promise<UpgradeRejected> {
  const error: unknown = await openWebSocket(url).then(
    () => new Error('upgrade unexpectedly accepted'),
    (reason: unknown) => reason,
  );
  if (!(error instanceof UpgradeRejected)) throw error;
  return error;
}

describe('WebSocket faults', () => {
  it('ws-error 1011: after N server messages, {"type":"error",code:1011} then close 1011; next session is clean', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'ws-error', afterMessages: 3, closeCode: 1011, times: 1 }] },
    });
    const failed = await ttsSession();
    expect(messageTypes(failed.messages)).toEqual(['ready', 'text', 'audio', 'error']);
    expect(failed.messages[3]).toEqual({
      kind: 'json',
      value: { type: 'error', message: 'Internal server error', code: 1011 },
    });
    expect(failed.closeCode).toBe(1011);
    const clean = await ttsSession();
    expect(clean.closeCode).toBe(1000);
    expect(sim.requests().map((r) => r.wsCloseCode)).toEqual([1011, 1000]);
  });

  it('ws-error 1008 at the start (afterMessages 0) and on Audixa', async () => {
    sim = await startVendorSimulator({
      vendor: 'audixa',
      faultPlan: {
        faults: [{ kind: 'ws-error', afterMessages: 0, closeCode: 1008, message: 'Invalid API Key' }],
      },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=k`);
    const result = await runSession(ws, []);
    expect(result.messages).toEqual([{ kind: 'json', value: { type: 'error', message: 'Invalid API Key' } }]);
    expect(result.closeCode).toBe(1008);
  });

  it('reject-upgrade 401, 429 + Retry-After and 503, in that order', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: {
        faults: [
          { kind: 'reject-upgrade', status: 401, times: 1 },
          { kind: 'reject-upgrade', status: 429, retryAfterSeconds: 7, times: 1 },
          { kind: 'reject-upgrade', status: 503, body: 'maintenance', times: 1 },
        ],
      },
    });
    const url = `${sim.wsUrl}/api/speech/tts`;
    expect((await rejection(url)).status).toBe(401);
    const limited = await rejection(url);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '7']);
    const unavailable = await rejection(url);
    expect([unavailable.status, unavailable.body]).toEqual([503, 'maintenance']);
    expect((await ttsSession()).closeCode).toBe(1000);
    expect(sim.requests().map((r) => r.outcome)).toEqual([
      'upgrade-rejected',
      'upgrade-rejected',
      'upgrade-rejected',
      'ws-closed',
    ]);
  });

  it('reject-upgrade does not touch HTTP requests', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'reject-upgrade', status: 401, times: 1 }] },
    });
    const res = await fetch(`${sim.url}/api/post/speech/tts`, {
      method: 'POST',
      body: '{"text":"a","only_audio":true}',
    });
    expect(res.status).toBe(200);
    expect((await rejection(`${sim.wsUrl}/api/speech/tts`)).status).toBe(401);
  });

  it('a rate limit on a WS endpoint refuses the upgrade with 429 + Retry-After', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({
      vendor: 'audixa',
      clock,
      faultPlan: {
        faults: [{ kind: 'rate-limit', tokensPerSecond: 0.1, burst: 1, match: { transport: 'ws' } }],
      },
    });
    const url = `${sim.wsUrl}/v3/tts/stream?api_key=k`;
    const ok = await openWebSocket(url);
    ok.close();
    const limited = await rejection(url);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '10']);
    expect(JSON.parse(limited.body)).toEqual({
      detail: 'Rate limit exceeded. Please retry after 10 seconds.',
    });
  });

  it('drop before-response destroys the upgrade socket', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'drop', when: 'before-response', times: 1 }] },
    });
    await expect(openWebSocket(`${sim.wsUrl}/api/speech/tts`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.requests()[0]!.outcome).toBe('dropped-before-response');
  });

  it('drop mid-response cuts a session after N messages without a close frame (1006)', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'drop', when: 'mid-response', afterMessages: 2 }] },
    });
    const result = await ttsSession();
    expect(messageTypes(result.messages)).toEqual(['ready', 'text']);
    expect(result.closeCode).toBe(1006);
    expect(sim.requests()[0]!.outcome).toBe('dropped-mid-response');
  });

  it('latency delays the upgrade', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'latency', delayMs: 120, match: { transport: 'ws' } }] },
    });
    const startedAt = performance.now();
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/asr`);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(110);
    ws.close();
  });

  it('close() ends open sessions and pending latency so nothing is left running', async () => {
    sim = await startVendorSimulator({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'latency', delayMs: 60_000, match: { endpoint: 'gradium.asr' } }] },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`);
    const session = runSession(ws, [SETUP]);
    const pending = fetch(`${sim.url}/api/post/speech/asr`, { method: 'POST', body: Buffer.alloc(4) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.close();
    expect((await session).closeCode).toBe(1006);
    await expect(pending).rejects.toThrow();
  });
});
