/**
 * Issue 15 item 2: the one observability hook. The `telemetry` option of every adapter (and of
 * createPacing) turns what the calls decide into OpenTelemetry metrics and span events (the real
 * SDK, exported in memory) and pino-style log lines; a long wait logs its progress on the clock.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
  type DecisionEvent,
} from '../../../lib/adapters/got/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { fakeTime } from '../got/helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from '../got/helpers/scripted-server.js';
import {
  startScriptedServer as startWsServer,
  type ScriptedServer as WsServer,
} from '../ws/scripted-server.js';
import { recordingClock, type RecordingClock } from '../../support/recording-clock.js';
import { recordingLogger, startOtel, type Point } from './otel-harness.js';

const otel = startOtel();

let server: ScriptedServer | undefined;
let wsServer: WsServer | undefined;
let pacing: Pacing | undefined;
let wsClock: RecordingClock | undefined;
afterEach(async () => {
  await pacing?.close();
  await server?.close();
  await wsServer?.close();
  wsClock?.dispose();
  server = undefined;
  wsServer = undefined;
  pacing = undefined;
  wsClock = undefined;
});

const CANARY = 'sk_live_canary_5e1f0a9c7b3d2e4f';

const warming = (retryAfterSeconds: number) =>
  json(
    503,
    {
      error: {
        code: 'SERVICE_WARMING_UP',
        message: `warming up for key ${CANARY}`,
        timestamp: 't',
        retryAfterSeconds,
      },
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
const queued = json(202, { id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });

/** The points of one metric for one vendor (metrics are cumulative over the file: vendors keep tests apart). */
async function pointsOf(name: string, vendor: string): Promise<Point[]> {
  return (await otel.points()).filter((p) => p.name === name && p.attributes['vendor'] === vendor);
}

describe('telemetry on an HTTP call (got)', () => {
  it('counts each decision, measures the wait and the closed gate, adds span events and logs', async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [warming(45), queued] });
    const time = fakeTime();
    const logger = recordingLogger();
    const telemetry = { meter: otel.meter, trace: otel.trace, logger };
    pacing = createPacing({ clock: time.clock, telemetry });
    const events: DecisionEvent[] = [];
    const client = got.extend(
      { prefixUrl: server.url, headers: { 'x-api-key': CANARY } },
      vendorResilience('zenhire', {
        clock: time.clock,
        random: () => 0.5,
        pacing,
        telemetry,
        onDecision: (e) => events.push(e),
      }),
    );
    const { result, span } = await otel.inSpan(() =>
      client.post('api/v1/speech/analyze', { json: { language: 'en' } }).json(),
    );
    expect(result).toEqual({ id: 'req_1', status: 'queued', pollIntervalSeconds: 20 });
    // onDecision still gets every decision, and telemetry sees the same ones.
    expect(events.map((e) => e.decision.action)).toEqual(['backoff', 'ok']);
    const [backoff, ok] = events.map((e) => e.decision);
    const waitMs = backoff!.delayMs;
    expect(time.waits).toEqual([waitMs]);

    const decisions = await pointsOf('vendor_resilience.decisions', 'zenhire');
    expect(decisions).toEqual(
      expect.arrayContaining([
        {
          name: 'vendor_resilience.decisions',
          unit: '',
          attributes: {
            vendor: 'zenhire',
            action: 'backoff',
            category: backoff!.category,
            code: 'SERVICE_WARMING_UP',
            phase: 'submit',
          },
          value: 1,
        },
        {
          name: 'vendor_resilience.decisions',
          unit: '',
          attributes: { vendor: 'zenhire', action: 'ok', category: ok!.category, phase: 'submit' },
          value: 1,
        },
      ]),
    );
    expect(decisions).toHaveLength(2);
    expect(await pointsOf('vendor_resilience.wait.duration', 'zenhire')).toEqual([
      {
        name: 'vendor_resilience.wait.duration',
        unit: 'ms',
        attributes: { vendor: 'zenhire', action: 'backoff', category: backoff!.category },
        value: { count: 1, sum: waitMs },
      },
    ]);
    // The backoff closed the vendor's gate for the wait; the pacing measured it on its clock.
    const gate = await pointsOf('vendor_resilience.gate.closed.duration', 'zenhire');
    expect(gate).toHaveLength(1);
    expect(gate[0]!.unit).toBe('ms');
    expect(gate[0]!.value).toEqual({ count: 1, sum: waitMs });

    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'vendor_resilience.decision',
        {
          vendor: 'zenhire',
          action: 'backoff',
          category: backoff!.category,
          code: 'SERVICE_WARMING_UP',
          phase: 'submit',
          attempt: 1,
          call_id: events[0]!.callId,
          delay_ms: waitMs,
          rule: backoff!.rule,
          status: 503,
        },
      ],
      [
        'vendor_resilience.decision',
        {
          vendor: 'zenhire',
          action: 'ok',
          category: ok!.category,
          phase: 'submit',
          attempt: 2,
          call_id: events[0]!.callId,
          delay_ms: 0,
          rule: ok!.rule,
          status: 202,
        },
      ],
      // No `waiting` event: fakeTime ends the 45 s wait in one step, so at the 30 s tick nothing is left.
    ]);
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', `zenhire: ${backoff!.reason}`],
      ['info', 'zenhire: backoff gate open again'],
      ['debug', `zenhire: ${ok!.reason}`],
    ]);
    expect(logger.lines[0]!.fields).toMatchObject({ action: 'backoff', status: 503, delay_ms: waitMs });
    expect(
      JSON.stringify({ lines: logger.lines, span: span.events, points: await otel.points() }),
    ).not.toContain(CANARY);
  });

  it('a throwing logger and meter change nothing', async () => {
    server = await startScriptedServer({ 'POST /api/v1/speech/analyze': [warming(45), queued] });
    const time = fakeTime();
    const broken = () => {
      throw new Error('sink broke');
    };
    const client = got.extend(
      { prefixUrl: server.url },
      vendorResilience('zenhire', {
        clock: time.clock,
        pacing: false,
        telemetry: {
          logger: { debug: broken, info: broken, warn: broken },
          meter: {
            createCounter: () => ({ add: broken }),
            createHistogram: () => ({ record: broken }),
          },
          trace: { getActiveSpan: broken },
        },
      }),
    );
    await expect(client.post('api/v1/speech/analyze').json()).resolves.toMatchObject({ id: 'req_1' });
  });
});

describe('telemetry of a pacing (createPacing)', () => {
  it('counts each retry refused by an empty retry budget, and logs it as a warning', async () => {
    server = await startScriptedServer({
      'POST /v1/text-to-speech': [
        json(502, { ok: false, code: 'UPSTREAM_GENERATION_ERROR', detail: 'd', error: 'd' }),
      ],
    });
    const time = fakeTime();
    const logger = recordingLogger();
    pacing = createPacing({
      clock: time.clock,
      retryBudget: { capacity: 1, refillPerSuccess: 0 },
      telemetry: { meter: otel.meter, logger },
    });
    const events: DecisionEvent[] = [];
    const client = got.extend(
      vendorResilience('breeze', {
        clock: time.clock,
        random: () => 0,
        pacing,
        onDecision: (e) => events.push(e),
      }),
    );
    await expect(
      client.post(`${server.url}/v1/text-to-speech/v`, { json: { text: 'hi' } }),
    ).rejects.toMatchObject({
      category: 'budget_exhausted',
    });
    expect(events.at(-1)?.decision).toMatchObject({ action: 'fail', category: 'budget_exhausted' });
    expect(await pointsOf('vendor_resilience.budget.exhausted', 'breeze')).toEqual([
      { name: 'vendor_resilience.budget.exhausted', unit: '', attributes: { vendor: 'breeze' }, value: 1 },
    ]);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'breeze: retry budget exhausted, the call fails',
        // What was refused: the retry the engine decided on.
        fields: { vendor: 'breeze', category: 'upstream_error', rule: 'breeze#upstream-generation-error' },
      },
    ]);
  });
});

describe('telemetry on an async job (ZenHire warm-up)', () => {
  // The policy caps one warm-up wait at 5 min (a 15–20 min warm-up is several of them): a 4-min one here.
  it('a warm-up wait logs the time left every 30 s on the clock, then the job completes', async () => {
    server = await startScriptedServer({
      'POST /api/v1/speech/analyze': [warming(240), queued],
      'GET /api/v1/speech/analyze/req_1': [
        json(200, { id: 'req_1', status: 'success', result: { cefr: 'B2' } }),
      ],
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const logger = recordingLogger();
    const events: DecisionEvent[] = [];
    const job = runVendorJob(
      'zenhire',
      presetJob('zenhire', { baseUrl: server.url, submit: { headers: { 'x-api-key': CANARY } } }),
      {
        clock,
        random: () => 0,
        pacing: false,
        telemetry: { meter: otel.meter, logger },
        onDecision: (e) => events.push(e),
      },
    );
    let settled = false;
    void job.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Real I/O first: the warm-up reply must have been decided before the clock moves.
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const warmUpMs = events[0]!.decision.delayMs;
    expect(events[0]!.decision).toMatchObject({ action: 'backoff', code: 'SERVICE_WARMING_UP' });
    expect(warmUpMs).toBeGreaterThanOrEqual(240_000);
    for (let step = 0; !settled && step < 200; step++) {
      await clock.advanceAsync(30_000);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await expect(job).resolves.toMatchObject({ jobId: 'req_1', submissions: 1 });
    const waiting = logger.lines.filter((l) => l.message?.includes('waiting'));
    // Every 30 s of the warm-up but the last: the time left, counted down on the clock.
    const expected: number[] = [];
    for (let left = warmUpMs - 30_000; left > 0; left -= 30_000) expected.push(left);
    expect(waiting.map((l) => l.fields['remaining_ms'])).toEqual(expected);
    expect(waiting[0]).toEqual({
      level: 'info',
      message: expect.stringMatching(/^zenhire: waiting, .+ left$/),
      fields: {
        vendor: 'zenhire',
        call_id: events[0]!.callId,
        action: events[0]!.decision.action,
        category: events[0]!.decision.category,
        delay_ms: warmUpMs,
        remaining_ms: warmUpMs - 30_000,
      },
    });
    // The job's decisions are counted as onDecision saw them (the metric is cumulative over the file,
    // so only the poll phase, which no other test of this file has, is compared).
    const polls = (await pointsOf('vendor_resilience.decisions', 'zenhire'))
      .filter((p) => p.attributes['phase'] === 'poll')
      .map((p) => `${String(p.attributes['action'])}×${String(p.value)}`);
    const seen = events.filter((e) => e.phase === 'poll').map((e) => `${e.decision.action}×1`);
    expect(seen).toEqual(['poll×1', 'ok×1']);
    expect(polls.sort()).toEqual(seen.sort());
    expect(JSON.stringify(logger.lines)).not.toContain(CANARY);
  });
});

describe('telemetry on a message stream (readVendorMessages)', () => {
  it('reports the failure that ended the stream after output was delivered, as onDecision does', async () => {
    server = await startScriptedServer({
      'POST /api/post/speech/asr': [
        {
          status: 200,
          headers: { 'content-type': 'application/x-ndjson' },
          body:
            [
              { type: 'text', text: 'Hello' },
              { type: 'error', message: `pipeline failed for ${CANARY}` },
            ]
              .map((line) => JSON.stringify(line))
              .join('\n') + '\n',
        },
      ],
    });
    const time = fakeTime();
    const logger = recordingLogger();
    const events: DecisionEvent[] = [];
    const messages: unknown[] = [];
    const read = async () => {
      for await (const message of readVendorMessages('gradium', `${server!.url}/api/post/speech/asr`, {
        request: { method: 'POST', body: 'RIFF', headers: { authorization: `Bearer ${CANARY}` } },
        clock: time.clock,
        pacing: false,
        telemetry: { meter: otel.meter, trace: otel.trace, logger },
        onDecision: (e) => events.push(e),
      }))
        messages.push(message);
    };
    const { result, span } = await otel.inSpan(() =>
      read().then(
        () => 'done',
        (error: unknown) => error,
      ),
    );
    expect(messages).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(result).toMatchObject({ action: 'fail' });
    expect(events.map((e) => [e.phase, e.decision.action])).toEqual([
      ['submit', 'ok'],
      ['stream', 'fail'],
    ]);
    const decisions = await pointsOf('vendor_resilience.decisions', 'gradium');
    expect(decisions.map((p) => [p.attributes['phase'], p.attributes['action'], p.value]).sort()).toEqual([
      ['stream', 'fail', 1],
      ['submit', 'ok', 1],
    ]);
    expect(span.events.map((e) => [e.name, e.attributes?.['phase'], e.attributes?.['action']])).toEqual([
      ['vendor_resilience.decision', 'submit', 'ok'],
      ['vendor_resilience.decision', 'stream', 'fail'],
    ]);
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      ['debug', `gradium: ${events[0]!.decision.reason}`],
      ['warn', `gradium: ${events[1]!.decision.reason}`],
    ]);
    expect(JSON.stringify({ lines: logger.lines, span: span.events })).not.toContain(CANARY);
  });
});

describe('telemetry on a WebSocket session', () => {
  it('counts the refused upgrades and the clean end, with span events on the active span', async () => {
    wsServer = await startWsServer({
      refuse: (n) => (n <= 2 ? { status: 503, headers: { 'Retry-After': '2' } } : undefined),
      connected(side) {
        side.socket.once('message', () => side.socket.close(1000));
      },
    });
    const clock = recordingClock();
    wsClock = clock;
    const logger = recordingLogger();
    const events: DecisionEvent[] = [];
    const { result: end, span } = await otel.inSpan(() => {
      const session = createResilientWebSocket('audixa', {
        url: `${wsServer!.origin}/?api_key=${CANARY}`,
        setup: () => ({ text: 'hello' }),
        clock,
        pacing: false,
        telemetry: { meter: otel.meter, trace: otel.trace, logger },
        onDecision: (e) => events.push(e),
      })();
      return session.closed;
    });
    expect(end).toEqual({ code: 1000, reason: '' });
    // A refused upgrade (503 + Retry-After) is a `backoff`; the clean close an `ok`.
    expect(events.map((e) => e.decision.action)).toEqual(['backoff', 'backoff', 'ok']);
    const decisions = await pointsOf('vendor_resilience.decisions', 'audixa');
    const byAction = Object.fromEntries(decisions.map((p) => [p.attributes['action'], p]));
    expect(byAction['backoff']).toMatchObject({
      attributes: { vendor: 'audixa', action: 'backoff', category: events[0]!.decision.category },
      value: 2,
    });
    expect(byAction['ok']).toMatchObject({ value: 1 });
    expect(decisions).toHaveLength(2);
    const waits = await pointsOf('vendor_resilience.wait.duration', 'audixa');
    expect(waits).toEqual([
      expect.objectContaining({
        value: { count: 2, sum: events[0]!.decision.delayMs + events[1]!.decision.delayMs },
      }),
    ]);
    expect(span.events.map((e) => [e.name, e.attributes?.['action'], e.attributes?.['attempt']])).toEqual([
      ['vendor_resilience.decision', 'backoff', 1],
      ['vendor_resilience.decision', 'backoff', 2],
      ['vendor_resilience.decision', 'ok', 3],
    ]);
    expect(new Set(span.events.map((e) => e.attributes?.['call_id']))).toEqual(new Set([events[0]!.callId]));
    expect(logger.lines.map((l) => l.level)).toEqual(['info', 'info', 'debug']);
    expect(JSON.stringify({ lines: logger.lines, span: span.events })).not.toContain(CANARY);
  });
});

describe('the telemetry option is checked up front', () => {
  it('a wrong sink is a TypeError naming the function and the field', async () => {
    expect(() => vendorResilience('zenhire', { telemetry: { logger: console.log as never } })).toThrow(
      /^vendorResilience\(options\.telemetry\.logger\): expected a logger with debug, info and warn/,
    );
    expect(() => createPacing({ telemetry: { meter: {} as never } })).toThrow(
      /^createPacing\(options\.telemetry\.meter\): expected an OpenTelemetry Meter/,
    );
    expect(() =>
      createResilientWebSocket('audixa', { url: 'ws://127.0.0.1:9', telemetry: { waitingEveryMs: 0 } }),
    ).toThrow(/^createResilientWebSocket\(options\.telemetry\.waitingEveryMs\): expected a positive number/);
    // runVendorJob is async: its argument errors are rejections.
    await expect(
      runVendorJob('zenhire', presetJob('zenhire', { baseUrl: 'http://127.0.0.1:9', submit: {} }), {
        telemetry: { trace: {} as never },
      }),
    ).rejects.toThrow(/^runVendorJob\(options\.telemetry\.trace\): expected OpenTelemetry's trace API/);
  });
});
