/**
 * Adversarial cases of the `telemetry` option (docs/telemetry.md's guarantees): a credential the
 * vendor echoes where the engine reads its code, a sink whose failure is a rejected promise, and
 * the default pacing's hold on many short-lived telemetry objects, and the gate closed time of a
 * pacer dropped as idle when its gate reopens.
 * Metrics are cumulative over the file: each test uses its own vendor.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import got from 'got';
import { vendorResilience, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { resilientFetch } from '../../../lib/adapters/fetch/index.js';
import type { Decision } from '../../../lib/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import type { TelemetryMeter } from '../../../lib/run/telemetry.js';
import { createSetup, lookUpPacer } from '../../../lib/run/call-context.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { fakeTime } from '../got/helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from '../got/helpers/scripted-server.js';
import { recordingLogger, startOtel, type Point } from './otel-harness.js';

const otel = startOtel();

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CANARY = 'sk_live_adversarial_9c4e1b7a2d';

describe('telemetry never carries a credential', () => {
  it('a key the vendor echoes in its error code reaches no metric attribute, span event or log line', async () => {
    // Breeze's error envelope reads `code` from the body: the vendor quotes the refused key there.
    server = await startScriptedServer({
      'POST /v1/text-to-speech/v': [
        json(401, { ok: false, code: `invalid_key:${CANARY}`, detail: 'bad key', error: 'bad key' }),
      ],
    });
    const time = fakeTime();
    const logger = recordingLogger();
    const events: DecisionEvent[] = [];
    const client = got.extend(
      { headers: { 'xi-api-key': CANARY } },
      vendorResilience('breeze', {
        clock: time.clock,
        pacing: false,
        telemetry: { meter: otel.meter, trace: otel.trace, logger },
        onDecision: (e) => events.push(e),
      }),
    );
    const { result: error, span } = await otel.inSpan(() =>
      client.post(`${server!.url}/v1/text-to-speech/v`, { json: { text: 'hi' } }).catch((e: unknown) => e),
    );
    // The call knew the key was a secret: its error scrubs it from the reason.
    expect(error).toMatchObject({ action: 'fail', status: 401 });
    expect((error as Error).message).not.toContain(CANARY);
    // The telemetry saw that decision (so the check below is about what it reported, not about silence).
    expect(events.map((e) => e.decision.action)).toEqual(['fail']);
    const points = (await otel.points()).filter((p) => p.attributes['vendor'] === 'breeze');
    expect(points.length).toBeGreaterThan(0);
    expect(span.events.length).toBeGreaterThan(0);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(points)).not.toContain(CANARY);
    expect(JSON.stringify(span.events)).not.toContain(CANARY);
    expect(JSON.stringify(logger.lines)).not.toContain(CANARY);
  });
});

describe("the call's error, as a logger is given it, carries no credential", () => {
  it('a key the vendor echoes in its error code is not in the error of got or fetch (code, decision, JSON, inspect)', async () => {
    const echoed = json(401, {
      ok: false,
      code: `invalid_key:${CANARY}`,
      detail: 'bad key',
      error: 'bad key',
    });
    server = await startScriptedServer({ 'POST /v1/text-to-speech/v': [echoed, echoed] });
    const url = `${server.url}/v1/text-to-speech/v`;
    const client = got.extend(
      { headers: { 'xi-api-key': CANARY } },
      vendorResilience('breeze', { pacing: false }),
    );
    const gotError = await client.post(url, { json: { text: 'hi' } }).catch((e: unknown) => e);
    const fetchError = await resilientFetch('breeze', { pacing: false })(url, {
      method: 'POST',
      headers: { 'xi-api-key': CANARY },
      body: '{"text":"hi"}',
    }).catch((e: unknown) => e);
    for (const error of [gotError, fetchError]) {
      // The vendor's code is there (redacted), so the checks below are about redaction, not absence.
      expect(error).toMatchObject({ category: 'auth', vendorCode: expect.stringMatching(/^invalid_key:/) });
      // What pino's error serializer and console.log show: its own properties, its JSON, its inspect view.
      expect(JSON.stringify({ ...(error as object) })).not.toContain(CANARY);
      expect(JSON.stringify(error)).not.toContain(CANARY);
      expect(inspect(error)).not.toContain(CANARY);
    }
  });
});

describe("onDecision, as the call's error, carries no credential", () => {
  it('a key the vendor echoes in its error code reaches onDecision redacted, through got and fetch, with and without telemetry', async () => {
    // A 400 whose code quotes the caller's key (Breeze reads `code` from the body).
    const echoed = json(400, { ok: false, code: `BAD_KEY_${CANARY}`, detail: 'bad key', error: 'bad key' });
    server = await startScriptedServer({ 'POST /v1/text-to-speech/v': [echoed] });
    const url = `${server.url}/v1/text-to-speech/v`;
    for (const telemetry of [undefined, { logger: recordingLogger() }]) {
      const events: DecisionEvent[] = [];
      const options = {
        pacing: false as const,
        onDecision: (e: DecisionEvent) => void events.push(e),
        ...(telemetry ? { telemetry } : {}),
      };
      const client = got.extend({ headers: { 'xi-api-key': CANARY } }, vendorResilience('breeze', options));
      await client.post(url, { json: { text: 'hi' } }).catch(() => undefined);
      await resilientFetch('breeze', options)(url, {
        method: 'POST',
        headers: { 'xi-api-key': CANARY },
        body: '{"text":"hi"}',
      }).catch(() => undefined);
      // Both calls reported their decision, with the vendor's code (so the check is about redaction).
      expect(events.map((e) => e.decision.code)).toEqual(['BAD_KEY_[REDACTED]', 'BAD_KEY_[REDACTED]']);
      expect(JSON.stringify(events)).not.toContain(CANARY);
    }
  });
});

describe('a failing telemetry sink changes nothing', () => {
  it('a logger whose methods return a rejected promise leaves no unhandled rejection', async () => {
    server = await startScriptedServer({ 'GET /v3/voices': [json(200, { voices: [] })] });
    const time = fakeTime();
    // An async logger (a transport that writes over the network) that fails: it rejects, it does not throw.
    const failing = async (): Promise<void> => {
      await Promise.resolve();
      throw new Error('log transport down');
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const client = got.extend(
        vendorResilience('audixa', {
          clock: time.clock,
          pacing: false,
          telemetry: { logger: { debug: failing, info: failing, warn: failing } },
        }),
      );
      await expect(client.get(`${server.url}/v3/voices`).json()).resolves.toEqual({ voices: [] });
      // Node reports an unhandled rejection after the microtask queue drains: give it a few turns.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('the default pacing holds telemetries weakly', () => {
  it('adapters made and dropped with a telemetry object each leave nothing behind in the default pacing', async () => {
    // The heap is measured after full collections: expose V8's gc to this test.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = async (): Promise<void> => {
      // A finalizer runs in a task after the collection that found its target gone.
      for (let turn = 0; turn < 10; turn++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    // Their own clock gives these adapters a default pacing of their own (no other test's routes).
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const quiet = { debug() {}, info() {}, warn() {} };
    /** What an adapter made per request does: its setup, with a telemetry object of its own, and its call's pacer. */
    const adaptersUsedOnce = (count: number): void => {
      let paced = 0;
      for (let n = 0; n < count; n++) {
        const setup = createSetup('elsa', { clock, telemetry: { logger: quiet } });
        if (lookUpPacer(setup, ['sk_live_elsa_1']).pacer) paced++;
      }
      expect(paced).toBe(count);
    };
    // A first round sizes the tables that are reused afterwards (a WeakMap keeps its capacity).
    adaptersUsedOnce(40_000);
    await settle();
    const beforeBytes = process.memoryUsage().heapUsed;
    for (let round = 0; round < 3; round++) {
      adaptersUsedOnce(40_000);
      await settle();
    }
    const grownBytes = process.memoryUsage().heapUsed - beforeBytes;
    // 120 000 dropped telemetry objects: a reference kept for each is about 6 MB; none is well under 2 MB.
    expect(grownBytes).toBeLessThan(2_000_000);
  }, 30_000);
});

describe('the gate closed time', () => {
  /** A warm-up backoff as the engine decides it (what an adapter hands its pacer). */
  const warmUp = (delayMs: number): Decision => ({
    action: 'backoff',
    code: 'SERVICE_WARMING_UP',
    category: 'warming_up',
    delayMs,
    delaySource: 'header',
    rule: 'zenhire#service-warming-up',
    reason: `zenhire 503 SERVICE_WARMING_UP (http submit): warming up; wait ${delayMs} ms.`,
  });

  it('is measured for each gate, also when the idle sweep drops the pacer the moment its gate reopens', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const logger = recordingLogger();
    // Pacers unused for a second are dropped: the sweep looks at this one every second while its gate is closed.
    const pacing = createPacing({
      clock,
      idleExpiryMs: 1_000,
      telemetry: { meter: otel.meter, logger },
    });
    try {
      const request = { vendor: 'zenhire', credential: 'sk_live_gate_sweep_1' };
      // A 45 s gate: it reopens at the instant of a sweep, which finds the pacer idle and drops it.
      await pacing.pacer(request).record(warmUp(45_000));
      for (let second = 0; second < 60; second++) await clock.advanceAsync(1_000);
      // The next call's pacer (the dropped one's successor) meets a 30.5 s gate.
      await pacing.pacer(request).record(warmUp(30_500));
      for (let second = 0; second < 40; second++) await clock.advanceAsync(1_000);
    } finally {
      await pacing.close();
    }
    // Each gate's own time: not lost, and the second not counted from the first one's closing.
    expect(logger.lines.map((l) => [l.message, l.fields['closed_ms']])).toEqual([
      ['zenhire: backoff gate open again', 45_000],
      ['zenhire: backoff gate open again', 30_500],
    ]);
    const gate: Point[] = (await otel.points()).filter(
      (p) => p.name === 'vendor_resilience.gate.closed.duration' && p.attributes['vendor'] === 'zenhire',
    );
    expect(gate.map((p) => p.value)).toEqual([{ count: 2, sum: 75_500 }]);
  });
});

describe('a meter whose instruments cannot be made', () => {
  // `createCounter`/`createHistogram` were called unguarded in the Telemetry constructor: a meter
  // that throws there made vendorResilience, resilientFetch, createResilientWebSocket and
  // createPacing throw, when telemetry must never break the calls.
  const brokenMeter = (): TelemetryMeter => ({
    createCounter: () => {
      throw new Error('meter provider shut down');
    },
    createHistogram: () => {
      throw new Error('meter provider shut down');
    },
  });

  it('every adapter (and createPacing) is made and works; the failure is logged once per adapter', async () => {
    server = await startScriptedServer({ 'GET /v3/voices': [json(200, { voices: [] })] });
    const logger = recordingLogger();
    const telemetry = { meter: brokenMeter(), logger };
    const client = got.extend(vendorResilience('audixa', { pacing: false, telemetry }));
    await expect(client.get(`${server.url}/v3/voices`).json()).resolves.toEqual({ voices: [] });
    const fetchCall = resilientFetch('audixa', { pacing: false, telemetry });
    await expect(fetchCall(`${server.url}/v3/voices`).then((r) => r.json())).resolves.toEqual({ voices: [] });
    expect(
      typeof createResilientWebSocket('elsa', { url: 'ws://127.0.0.1:9', pacing: false, telemetry }),
    ).toBe('function');
    const pacing = createPacing({ telemetry });
    await pacing.close();
    // One warning per adapter made (four), each naming what failed; none per call.
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(4);
    for (const line of warnings) expect(line.message).toMatch(/meter provider shut down/);
  });

  it('without a logger, the failure is a process warning, once', () => {
    // Jest's `process` is a copy whose 'warning' listeners Node never calls: emitWarning is watched.
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(() =>
        vendorResilience('audixa', { pacing: false, telemetry: { meter: brokenMeter() } }),
      ).not.toThrow();
      expect(emitWarning.mock.calls.map(([warning]) => String(warning))).toEqual([
        expect.stringMatching(/meter provider shut down/),
      ]);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
