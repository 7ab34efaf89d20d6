/**
 * The default pacing (no `pacing` option) reports its gate and budget events to the `telemetry`
 * of the adapters that use it: safe by default and one observability hook, together. Metrics
 * are cumulative over the file: each test uses its own vendor.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import { vendorResilience, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { resilientFetch } from '../../../lib/adapters/fetch/index.js';
import { fakeTime } from '../got/helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from '../got/helpers/scripted-server.js';
import { recordingLogger, startOtel, type Point } from './otel-harness.js';

const otel = startOtel();

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = 'sk_live_default_pacing_telemetry_1';

const warming = (retryAfterSeconds: number) =>
  json(
    503,
    { error: { code: 'SERVICE_WARMING_UP', message: 'warming up', timestamp: 't', retryAfterSeconds } },
    { 'retry-after': String(retryAfterSeconds) },
  );
const queued = json(202, { id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });

async function pointsOf(name: string, vendor: string): Promise<Point[]> {
  return (await otel.points()).filter((p) => p.name === name && p.attributes['vendor'] === vendor);
}

describe('telemetry of the default pacing', () => {
  it("measures the gate a backoff closed, once for adapters sharing one telemetry, on the adapters' clock", async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [queued, warming(45), queued] });
    // The adapters' own clock gives them a default pacing of their own (one per clock): no other test's gate.
    const time = fakeTime();
    const logger = recordingLogger();
    const telemetry = { meter: otel.meter, logger };
    const events: DecisionEvent[] = [];
    const options = {
      clock: time.clock,
      random: () => 0.5,
      telemetry,
      onDecision: (e: DecisionEvent) => events.push(e),
    };
    // Two adapters (fetch, then got) given the same telemetry: the one gate they share is measured once.
    const client = got.extend(
      { prefixUrl: server.url, headers: { 'x-api-key': KEY } },
      vendorResilience('zenhire', options),
    );
    const fetch = resilientFetch('zenhire', options);

    const response = await fetch(`${server.url}/api/v1/speech/analyze`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
    });
    expect(response.status).toBe(202);
    await response.body?.cancel();
    // Then the got adapter meets the warm-up: both adapters use the pacing when its gate closes.
    await expect(client.post('api/v1/speech/analyze').json()).resolves.toMatchObject({ id: 'req_1' });

    const backoff = events.find((e) => e.decision.action === 'backoff')?.decision;
    expect(backoff).toBeDefined();
    expect(time.waits).toEqual([backoff!.delayMs]);
    expect(await pointsOf('vendor_resilience.gate.closed.duration', 'zenhire')).toEqual([
      {
        name: 'vendor_resilience.gate.closed.duration',
        unit: 'ms',
        attributes: { vendor: 'zenhire' },
        value: { count: 1, sum: backoff!.delayMs },
      },
    ]);
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: 'zenhire: backoff gate open again',
      fields: { vendor: 'zenhire', closed_ms: backoff!.delayMs },
    });
    expect(JSON.stringify(logger.lines)).not.toContain(KEY);
  });

  it('counts each retry the default retry budget refused', async () => {
    const failure = json(502, { ok: false, code: 'UPSTREAM_GENERATION_ERROR', detail: 'd', error: 'd' });
    server = await startScriptedServer({
      'POST /v1/text-to-speech/v': Array.from({ length: 60 }, () => failure),
    });
    const time = fakeTime();
    const logger = recordingLogger();
    const client = got.extend(
      vendorResilience('breeze', {
        clock: time.clock,
        random: () => 0,
        telemetry: { meter: otel.meter, logger },
      }),
    );
    // The default budget (10 retries, refilled by successes) runs out after a few failing calls.
    const categories: unknown[] = [];
    for (let call = 0; call < 12 && !categories.includes('budget_exhausted'); call++) {
      const error = await client
        .post(`${server.url}/v1/text-to-speech/v`, { json: { text: 'hi' } })
        .catch((e: unknown) => e);
      categories.push((error as { category?: unknown }).category);
    }
    expect(categories).toContain('budget_exhausted');
    const refused = categories.filter((c) => c === 'budget_exhausted').length;
    expect(await pointsOf('vendor_resilience.budget.exhausted', 'breeze')).toEqual([
      {
        name: 'vendor_resilience.budget.exhausted',
        unit: '',
        attributes: { vendor: 'breeze' },
        value: refused,
      },
    ]);
    expect(
      logger.lines.filter((l) => l.message === 'breeze: retry budget exhausted, the call fails'),
    ).toHaveLength(refused);
  });

  it("reports a vendor's gate only to the telemetry given for that vendor", async () => {
    server = await startScriptedServer({
      'GET /v3/voices': [json(200, { voices: [] })],
      'POST /api/v1/speech/analyze': [warming(30), queued],
    });
    const time = fakeTime();
    const logger = recordingLogger();
    // An Audixa adapter with a telemetry uses the same default pacing (same clock) first.
    const audixa = got.extend(vendorResilience('audixa', { clock: time.clock, telemetry: { logger } }));
    await expect(audixa.get(`${server.url}/v3/voices`).json()).resolves.toEqual({ voices: [] });
    // Then a ZenHire adapter without one closes ZenHire's gate.
    const zenhire = got.extend(
      { prefixUrl: server.url, headers: { 'x-api-key': `${KEY}-2` } },
      vendorResilience('zenhire', { clock: time.clock, random: () => 0.5 }),
    );
    await expect(zenhire.post('api/v1/speech/analyze').json()).resolves.toMatchObject({ id: 'req_1' });
    expect(time.waits).toHaveLength(1);
    // Audixa's telemetry logs its own call's decision, and nothing of ZenHire's gate.
    expect(logger.lines.map((l) => l.message)).toEqual([
      'audixa: audixa 200 (http submit): success; carry on.',
    ]);
  });
});
