import { afterEach, describe, expect, it } from '@jest/globals';
import { startVendorSimulator, type FaultPlan, type VendorSimulator } from '../../../lib/testing/index.js';
import { parseNdjson } from './ndjson.js';

let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const gradiumTts = (text = 'one two three four') =>
  fetch(`${sim!.url}/api/post/speech/tts`, { method: 'POST', body: JSON.stringify({ text }) });
const breezeSync = () =>
  fetch(`${sim!.url}/v1/text-to-speech/v1`, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });

async function startWith(vendor: 'gradium' | 'breeze', plan: FaultPlan): Promise<VendorSimulator> {
  sim = await startVendorSimulator({ vendor, faultPlan: plan });
  return sim;
}

describe('HTTP faults', () => {
  it('stream-error: a 200 NDJSON stream carries N good lines, then {"type":"error"} and ends', async () => {
    await startWith('gradium', {
      faults: [
        { kind: 'stream-error', afterLines: 3, message: 'worker lost', match: { endpoint: 'gradium.tts' } },
      ],
    });
    const res = await gradiumTts();
    expect(res.status).toBe(200);
    const lines = parseNdjson(await res.text());
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => l['type'])).toEqual(['text', 'audio', 'text']);
    expect(lines[3]).toEqual({ type: 'error', message: 'worker lost' });
    expect(sim!.requests()[0]!.faults).toEqual(['stream-error']);
  });

  it('stream-error also applies to the ASR NDJSON stream and is not used up by raw-audio TTS', async () => {
    await startWith('gradium', { faults: [{ kind: 'stream-error', afterLines: 1, times: 1 }] });
    const raw = await fetch(`${sim!.url}/api/post/speech/tts`, {
      method: 'POST',
      body: JSON.stringify({ text: 'x', only_audio: true }),
    });
    expect((await raw.arrayBuffer()).byteLength).toBe(960);
    const asr = await fetch(`${sim!.url}/api/post/speech/asr`, { method: 'POST', body: Buffer.alloc(10) });
    const lines = parseNdjson(await asr.text());
    expect(lines.map((l) => l['type'])).toEqual(['text', 'error']);
  });

  it('latency: holds the answer for delayMs of real time', async () => {
    await startWith('breeze', { faults: [{ kind: 'latency', delayMs: 150, times: 1 }] });
    const startedAt = performance.now();
    expect((await breezeSync()).status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
    const fastStartedAt = performance.now();
    await (await breezeSync()).arrayBuffer();
    expect(performance.now() - fastStartedAt).toBeLessThan(140);
    expect(sim!.requests().map((r) => r.faults)).toEqual([['latency'], []]);
  });

  it('drop before-response: the socket is destroyed with no answer', async () => {
    await startWith('breeze', { faults: [{ kind: 'drop', when: 'before-response', times: 1 }] });
    await expect(breezeSync()).rejects.toThrow(/fetch failed/);
    expect(sim!.requests()[0]!.outcome).toBe('dropped-before-response');
    expect((await breezeSync()).status).toBe(200);
  });

  it('drop mid-response: status and part of the body arrive, then the connection is cut', async () => {
    await startWith('breeze', { faults: [{ kind: 'drop', when: 'mid-response', times: 1 }] });
    const res = await breezeSync();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('2048');
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(sim!.requests()[0]).toMatchObject({
      outcome: 'dropped-mid-response',
      status: 200,
      faults: ['drop'],
    });
  });

  it('drop mid-response cuts an NDJSON stream without its end', async () => {
    await startWith('gradium', { faults: [{ kind: 'drop', when: 'mid-response' }] });
    const res = await gradiumTts();
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('after + times: lets 2 through, fails the next 2, then recovers', async () => {
    await startWith('breeze', {
      faults: [{ kind: 'error', code: 'GENERATION_TIMEOUT', after: 2, times: 2 }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await breezeSync();
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 504, 504, 200]);
  });

  it('faults are checked in plan order: the first that fires answers, later ones do not see the request', async () => {
    await startWith('breeze', {
      faults: [
        { kind: 'error', code: 'INTERNAL_ERROR', times: 1 },
        { kind: 'error', code: 'GENERATION_FAILED', times: 1 },
      ],
    });
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await breezeSync();
      codes.push(
        res.status === 200 ? (await res.arrayBuffer(), 'ok') : ((await res.json()) as { code: string }).code,
      );
    }
    expect(codes).toEqual(['INTERNAL_ERROR', 'GENERATION_FAILED', 'ok']);
    expect(sim!.faultFirings().map((f) => f.index)).toEqual([0, 1]);
  });

  it('probability: the same seed fires on the same requests every run; another seed differs', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const local = await startVendorSimulator({
        vendor: 'breeze',
        faultPlan: { seed, faults: [{ kind: 'error', code: 'UPSTREAM_TIMEOUT', probability: 0.5 }] },
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 16; i += 1) {
          const res = await fetch(`${local.url}/v1/text-to-speech/v`, {
            method: 'POST',
            body: '{"text":"a"}',
          });
          await res.arrayBuffer();
          statuses.push(res.status);
        }
        return statuses;
      } finally {
        await local.close();
      }
    };
    const first = await pattern(7);
    expect(await pattern(7)).toEqual(first);
    expect(first).toContain(504);
    expect(first).toContain(200);
    expect(await pattern(8)).not.toEqual(first);
  });

  it('raw-body errors: Gradium proxy text without the "error from server" prefix', async () => {
    await startWith('gradium', { faults: [{ kind: 'error', rawBody: 'upstream connect error', times: 1 }] });
    const res = await gradiumTts();
    expect([res.status, await res.text()]).toEqual([500, 'upstream connect error']);
  });

  it('an unknown route answers 404 in the vendor envelope and is recorded without an endpoint', async () => {
    await startWith('breeze', { faults: [] });
    const res = await fetch(`${sim!.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('RESOURCE_NOT_FOUND');
    expect(sim!.requests()[0]).toMatchObject({ endpoint: undefined, status: 404, method: 'GET' });
  });

  it('setFaultPlan swaps the plan with fresh counters', async () => {
    await startWith('breeze', { faults: [{ kind: 'error', code: 'INTERNAL_ERROR', times: 1 }] });
    expect((await breezeSync()).status).toBe(500);
    expect((await breezeSync()).status).toBe(200);
    sim!.setFaultPlan({ faults: [{ kind: 'error', code: 'UPSTREAM_TIMEOUT', times: 1 }] });
    expect((await breezeSync()).status).toBe(504);
  });
});
