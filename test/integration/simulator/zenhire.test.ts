import { afterEach, describe, expect, it } from '@jest/globals';
import { createManualClock, startVendorSimulator, type VendorSimulator } from '../../../lib/testing/index.js';

const KEY = 'zh_test_key_123';
let sim: VendorSimulator | undefined;
afterEach(async () => sim?.close());

const submit = () =>
  fetch(`${sim!.url}/api/v1/speech/analyze`, {
    method: 'POST',
    body: 'audio-bytes',
    headers: { 'x-api-key': KEY },
  });
const poll = (id: string) =>
  fetch(`${sim!.url}/api/v1/speech/analyze/${id}`, { headers: { 'x-api-key': KEY } });
type ErrorEnvelope = {
  error: { code: string; message: string; timestamp: string; requestId?: string; retryAfterSeconds?: number };
};

describe('zenhire simulator', () => {
  it('submits (202 queued) and polls processing (with Retry-After) → success', async () => {
    const clock = createManualClock(1_000_000);
    sim = await startVendorSimulator({ vendor: 'zenhire', apiKey: KEY, clock });
    const accepted = await submit();
    expect(accepted.status).toBe(202);
    const job = (await accepted.json()) as { id: string; status: string; pollIntervalSeconds: number };
    expect(job).toEqual({ id: expect.stringMatching(/^req_/), status: 'queued', pollIntervalSeconds: 15 });

    const first = await poll(job.id);
    expect(first.headers.get('retry-after')).toBe('15');
    expect(await first.json()).toMatchObject({ id: job.id, status: 'processing' });
    clock.advance(15_000);
    expect(await (await poll(job.id)).json()).toMatchObject({ id: job.id, status: 'success' });
  });

  it('answers 429 POLL_RATE_LIMITED when one id is polled within 10 s of simulated time', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({ vendor: 'zenhire', clock });
    const { id } = (await (await submit()).json()) as { id: string };
    expect((await poll(id)).status).toBe(200);
    clock.advance(4_000);
    const tooSoon = await poll(id);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.headers.get('retry-after')).toBe('6');
    const body = (await tooSoon.json()) as ErrorEnvelope;
    expect(body.error).toMatchObject({ code: 'POLL_RATE_LIMITED', retryAfterSeconds: 6 });
    expect(body.error.timestamp).toBe(new Date(4_000).toISOString());
    clock.advance(6_000);
    expect(await (await poll(id)).json()).toMatchObject({ status: 'success' });
  });

  it('honours a configured minimum poll interval', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({ vendor: 'zenhire', clock, minPollIntervalMs: 30_000 });
    const { id, pollIntervalSeconds } = (await (await submit()).json()) as {
      id: string;
      pollIntervalSeconds: number;
    };
    expect(pollIntervalSeconds).toBe(30);
    await poll(id);
    clock.advance(20_000);
    expect((await poll(id)).status).toBe(429);
  });

  it('rate-limits submits with a token bucket: 429 RATE_LIMIT_EXCEEDED + Retry-After, refilled by the clock', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({
      vendor: 'zenhire',
      clock,
      faultPlan: {
        faults: [
          { kind: 'rate-limit', tokensPerSecond: 0.5, burst: 2, match: { endpoint: 'zenhire.submit' } },
        ],
      },
    });
    expect((await submit()).status).toBe(202);
    expect((await submit()).status).toBe(202);
    const limited = await submit();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    const body = (await limited.json()) as ErrorEnvelope;
    expect(body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 2 });
    expect(body.error.requestId).toMatch(/^req_/);
    clock.advance(2_000);
    expect((await submit()).status).toBe(202);
    expect((await submit()).status).toBe(429);
  });

  it('answers 503 SERVICE_WARMING_UP for a 60 s simulated window, then serves', async () => {
    const clock = createManualClock(0);
    sim = await startVendorSimulator({
      vendor: 'zenhire',
      clock,
      faultPlan: { faults: [{ kind: 'warm-up', durationMs: 60_000, retryAfterSeconds: 45 }] },
    });
    const warming = await submit();
    expect(warming.status).toBe(503);
    expect(warming.headers.get('retry-after')).toBe('45');
    expect(((await warming.json()) as ErrorEnvelope).error).toMatchObject({
      code: 'SERVICE_WARMING_UP',
      retryAfterSeconds: 45,
    });
    clock.advance(59_999);
    expect((await submit()).status).toBe(503);
    clock.advance(1);
    expect((await submit()).status).toBe(202);
  });

  it('ends a job as failed with the fault code when a job-failure fault matched its submit', async () => {
    sim = await startVendorSimulator({
      vendor: 'zenhire',
      pollsUntilDone: 1,
      faultPlan: { faults: [{ kind: 'job-failure', code: 'SCORING_FAILED', times: 1 }] },
    });
    const { id } = (await (await submit()).json()) as { id: string };
    expect(await (await poll(id)).json()).toEqual({
      id,
      status: 'failed',
      error: { code: 'SCORING_FAILED', message: 'Audio quality issue or provider error.' },
    });
    const second = (await (await submit()).json()) as { id: string };
    expect(await (await poll(second.id)).json()).toMatchObject({ status: 'success' });
  });

  it('rejects a missing key with 401 MISSING_API_KEY and no requestId (middleware-level)', async () => {
    sim = await startVendorSimulator({ vendor: 'zenhire', apiKey: KEY });
    const res = await fetch(`${sim.url}/api/v1/speech/analyze`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as ErrorEnvelope;
    expect(body.error.code).toBe('MISSING_API_KEY');
    expect(body.error.requestId).toBeUndefined();
  });

  it('answers 404 for an unknown run id', async () => {
    sim = await startVendorSimulator({ vendor: 'zenhire' });
    const res = await poll('req_unknown');
    expect(res.status).toBe(404);
  });
});
