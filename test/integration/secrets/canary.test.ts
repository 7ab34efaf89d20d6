import { afterEach, describe, expect, it } from '@jest/globals';
import got, { RequestError } from 'got';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVendorError } from '../../../lib/index.js';
import {
  readVendorMessages,
  runVendorJob,
  vendorResilience,
  type DecisionEvent,
  type VendorJobSpec,
} from '../../../lib/adapters/got/index.js';
import { createPacing, type Pacing, type PacingEventName } from '../../../lib/pacing/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import { fakeTime } from '../got/helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from '../got/helpers/scripted-server.js';
import {
  startScriptedServer as startWsServer,
  type ScriptedServer as WsServer,
} from '../ws/scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

/**
 * Issue 8 part 3 (docs/design.md rule 8): a canary API key, in credential headers and in `?token=` /
 * `?api_key=` URLs, and echoed back by the "vendor" in bodies, messages and close reasons, is driven
 * through failure paths not covered by test/integration/got/abort-and-secrets.test.ts. Every error
 * (message, stack, cause chain, util.inspect, JSON.stringify), every onDecision event, every WS
 * event payload and every pacing event payload is captured; the canary is in none of them.
 */

const CANARY = 'sk_live_canary_0b7d3e9f4a1c6e2d';
const HEADERS = { 'x-api-key': CANARY, 'xi-api-key': CANARY, authorization: `Bearer ${CANARY}` };
const PACING_EVENTS: PacingEventName[] = [
  'counts',
  'gateClosed',
  'gateOpened',
  'concurrencyChanged',
  'rateChanged',
  'budgetExhausted',
  'redisError',
];

/** Every text view of everything the library handed back, labelled for the failure message. */
class Capture {
  readonly views: { label: string; text: string }[] = [];

  value(label: string, value: unknown): void {
    this.views.push({ label: `${label} inspect`, text: inspect(value, { depth: 12, showHidden: true }) });
    let text: string;
    try {
      text = JSON.stringify(value) ?? '';
    } catch (error) {
      text = `unserializable: ${String(error)}`;
    }
    this.views.push({ label: `${label} JSON`, text });
  }

  error(label: string, error: unknown): void {
    this.value(label, error);
    // got's errors (got adapter) keep `options` and `response`: their headers and URL are read directly too.
    const got = error as {
      options?: { headers?: unknown; url?: unknown };
      response?: { headers?: unknown; url?: unknown; request?: { options?: { headers?: unknown } } };
    };
    if (got.options) {
      this.views.push({ label: `${label} options.headers`, text: JSON.stringify(got.options.headers) ?? '' });
      this.views.push({ label: `${label} options.url`, text: String(got.options.url) });
    }
    if (got.response) {
      this.views.push({
        label: `${label} response.headers`,
        text: JSON.stringify(got.response.headers) ?? '',
      });
      this.views.push({ label: `${label} response.url`, text: String(got.response.url) });
      const requestHeaders = got.response.request?.options?.headers;
      this.views.push({
        label: `${label} response.request headers`,
        text: JSON.stringify(requestHeaders) ?? '',
      });
    }
    let current: unknown = error;
    for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
      this.views.push({ label: `${label} cause[${depth}] message`, text: current.message });
      this.views.push({ label: `${label} cause[${depth}] stack`, text: current.stack ?? '' });
      this.views.push({ label: `${label} cause[${depth}] String`, text: String(current) });
      this.value(`${label} cause[${depth}]`, current);
      current = current.cause;
    }
  }

  /** The views that hold the canary, labelled, with the text before it (expected: none). */
  leaks(): string[] {
    return this.views
      .filter((v) => v.text.includes(CANARY))
      .map((v) => {
        const at = v.text.indexOf(CANARY);
        return `${v.label}: …${v.text.slice(Math.max(0, at - 120), at + CANARY.length)}`;
      });
  }
}

let http: ScriptedServer | undefined;
let ws: WsServer | undefined;
let pacings: Pacing[] = [];
afterEach(async () => {
  await http?.close();
  await ws?.close();
  for (const pacing of pacings) await pacing.close();
  http = undefined;
  ws = undefined;
  pacings = [];
});

function pacingWithEvents(
  capture: Capture,
  seen: Set<string>,
  options: Parameters<typeof createPacing>[0] = {},
) {
  const pacing = createPacing({ keepProcessAlive: false, ...options });
  pacings.push(pacing);
  for (const name of PACING_EVENTS) {
    pacing.on(name, (payload) => {
      seen.add(name);
      capture.value(`pacing ${name}`, payload);
    });
  }
  return pacing;
}

async function settle(capture: Capture, label: string, work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    capture.error(label, error);
    return error;
  }
  throw new Error(`${label}: expected a failure, the call succeeded`);
}

describe('canary API key: HTTP failure paths', () => {
  it('promise, stream, runVendorJob and readVendorMessages failures never show the key', async () => {
    const echo = `key ${CANARY} rejected`;
    http = await startScriptedServer({
      // A status the engine reads as "not an error" but got rejects (HTTPError quotes the URL).
      'POST /multiple-choices': [{ status: 300, body: echo }],
      // `.json()` on a 200 that is not JSON (got's ParseError quotes the URL).
      'POST /not-json': [{ status: 200, headers: { 'content-type': 'application/json' }, body: `{${echo}` }],
      // Never answers: got's timeout (ETIMEDOUT) after the request reached the vendor.
      'POST /silent': [() => undefined],
      // A 200 stream cut after bytes were delivered: partialOutput error.
      'POST /cut-stream': [
        (res) => {
          res.writeHead(200, { 'content-type': 'audio/wav' });
          res.write(Buffer.alloc(1024, 1), () => res.socket?.destroy());
        },
      ],
      // readVendorMessages: a fatal submit, a cut stream after one message, an empty 200.
      'POST /msgs/fatal': [{ status: 500, body: `error from server 1008: ${echo}` }],
      'POST /msgs/cut': [
        (res) => {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write(`{"type":"text","text":"${echo}"}\n`, () => res.socket?.destroy());
        },
      ],
      'POST /msgs/empty': [{ status: 200, body: '' }],
      'POST /msgs/redirect': [{ status: 300, body: echo }],
      // runVendorJob: submit refused; poll 404; resubmits used up; poll deadline passed.
      'POST /job/refused': [json(401, { error: { code: 'INVALID_API_KEY', message: echo, timestamp: 't' } })],
      'POST /job/': [json(202, { id: 'r1', status: 'queued', pollIntervalSeconds: 15 })],
      'GET /job/lost/r1': [json(404, { error: { code: 'NOT_FOUND', message: echo } })],
      'GET /job/failing/r1': [
        json(200, { id: 'r1', status: 'failed', error: { code: 'TRANSCRIPTION_FAILED', message: echo } }),
      ],
      'GET /job/forever/r1': [json(200, { id: 'r1', status: 'processing', message: echo })],
    });
    const url = http.url;
    const capture = new Capture();
    const events: DecisionEvent[] = [];
    const time = fakeTime();
    const options = {
      clock: time.clock,
      onDecision: (e: DecisionEvent) => events.push(e),
    };
    const client = (vendor: string) => got.extend({ headers: HEADERS }, vendorResilience(vendor, options));
    const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
    const q = `?api_key=${CANARY}&token=${CANARY}`;

    const failures: unknown[] = [
      await settle(
        capture,
        'promise 300',
        client('zenhire').post(`${url}/multiple-choices${q}`, { json: {} }),
      ),
      await settle(capture, 'promise json', client('elsa').post(`${url}/not-json${q}`, { json: {} }).json()),
      await settle(
        capture,
        'promise timeout',
        client('zenhire').post(`${url}/silent${q}`, { json: {}, timeout: { request: 150 } }),
      ),
      await settle(
        capture,
        'stream cut',
        pipeline(client('breeze').stream.post(`${url}/cut-stream${q}`, { json: {} }), sink()),
      ),
      await settle(
        capture,
        'stream 300',
        pipeline(client('breeze').stream.post(`${url}/multiple-choices${q}`, { json: {} }), sink()),
      ),
    ];
    for (const path of ['fatal', 'cut', 'empty', 'redirect']) {
      const read = async () => {
        for await (const message of readVendorMessages('gradium', `${url}/msgs/${path}${q}`, {
          ...options,
          request: { method: 'POST', headers: HEADERS, body: 'RIFF' },
        })) {
          capture.value(`messages ${path} yielded`, message === undefined ? null : 'a message');
        }
      };
      failures.push(await settle(capture, `messages ${path}`, read()));
    }
    const job = (name: string): VendorJobSpec => ({
      submit: () => ({
        url: `${url}/job/${name}${q}`,
        options: { method: 'POST', headers: HEADERS, json: {} },
      }),
      jobId: (body) => (body as { id?: string }).id,
      poll: (id) => ({ url: `${url}/job/${name}/${id}${q}`, options: { headers: HEADERS } }),
    });
    for (const name of ['refused', 'lost', 'failing', 'forever']) {
      failures.push(await settle(capture, `job ${name}`, runVendorJob('zenhire', job(name), options)));
    }
    for (const [i, event] of events.entries()) capture.value(`onDecision #${i}`, event);

    expect(failures).toHaveLength(13);
    // Every failure is typed: a vendor failure, or (got adapter, the engine had nothing to say) got's own error.
    for (const failure of failures)
      expect(isVendorError(failure) || failure instanceof RequestError).toBe(true);
    expect(failures.filter((f) => isVendorError(f))).toHaveLength(12);
    // The canary really went out: the server saw it in headers and URLs.
    expect(http.received.every((r) => r.path.includes(CANARY) && r.headers['x-api-key'] === CANARY)).toBe(
      true,
    );
    expect(events.length).toBeGreaterThan(13);
    expect(capture.leaks()).toEqual([]);
  });

  it('pacing events (every name) and a budget-exhausted HTTP failure never show the key', async () => {
    http = await startScriptedServer({
      // A rate-limited backoff (gate closes for 1 s, the adaptive rate drops), then success.
      'POST /api/v1/speech/analyze': [
        json(
          429,
          { error: { code: 'RATE_LIMIT_EXCEEDED', message: `slow ${CANARY}`, retryAfterSeconds: 1 } },
          { 'retry-after': '1' },
        ),
        json(202, { id: 'r1', status: 'queued' }),
      ],
      // Concurrency limited: the adaptive concurrency halves, then success.
      'POST /v1/text-to-speech/concurrency': [
        json(429, { ok: false, code: 'GENERATION_CONCURRENCY_EXCEEDED', detail: CANARY, error: 'x' }),
        { status: 200, body: 'audio' },
      ],
      // Down: every retry takes a budget token until the budget is empty.
      'POST /v1/text-to-speech/down': [
        json(500, { ok: false, code: 'INTERNAL_ERROR', detail: CANARY, error: 'x' }),
      ],
    });
    const capture = new Capture();
    const seen = new Set<string>();
    const events: DecisionEvent[] = [];
    const time = fakeTime();
    const pacing = pacingWithEvents(capture, seen, { retryBudget: { capacity: 1, refillPerSuccess: 0 } });
    const options = {
      clock: time.clock,
      pacing,
      onDecision: (e: DecisionEvent) => events.push(e),
    };
    const q = `?api_key=${CANARY}`;
    const zenhire = got.extend({ headers: HEADERS }, vendorResilience('zenhire', options));
    const breeze = got.extend({ headers: HEADERS }, vendorResilience('breeze', options));

    await zenhire.post(`${http.url}/api/v1/speech/analyze${q}`, { json: {} });
    await breeze.post(`${http.url}/v1/text-to-speech/concurrency${q}`, { json: {} });
    const exhausted = await settle(
      capture,
      'budget exhausted',
      breeze.post(`${http.url}/v1/text-to-speech/down${q}`, { json: {} }),
    );
    expect(isVendorError(exhausted) && exhausted.category).toBe('budget_exhausted');

    // Cluster pacing whose Redis URL carries the key as its password, on a port nobody listens on.
    const cluster = pacingWithEvents(capture, seen, {
      redis: `redis://default:${CANARY}@127.0.0.1:1/0`,
      redisTimeoutMs: 300,
    });
    const unavailable = await settle(
      capture,
      'cluster pacing',
      cluster.pacer({ vendor: 'zenhire', credential: CANARY }).schedule(() => Promise.resolve('sent')),
    );
    expect(isVendorError(unavailable)).toBe(true);
    await cluster.close();

    for (const [i, event] of events.entries()) capture.value(`onDecision #${i}`, event);
    expect([...seen].sort()).toEqual([...PACING_EVENTS].sort());
    expect(capture.leaks()).toEqual([]);
  });
});

describe('canary API key: WebSocket failure paths', () => {
  it('refused upgrade, 1008 and a budget-exhausted reconnect never show the key', async () => {
    const echo = `key ${CANARY} revoked`;
    ws = await startWsServer({
      refuse: (_n, request) =>
        request.url?.startsWith('/refused')
          ? { status: 401, headers: { 'www-authenticate': `Bearer ${CANARY}` }, body: `{"detail":"${echo}"}` }
          : undefined,
      connected: (side) => {
        const path = side.request.url ?? '';
        const code = path.startsWith('/fatal') ? 1008 : 1011;
        side.socket.once('message', () => {
          side.socket.send(JSON.stringify({ type: 'ready' }));
          side.socket.send(JSON.stringify({ type: 'error', message: echo, code }));
          side.socket.close(code, `closing: ${CANARY}`.slice(0, 120));
        });
      },
    });
    const capture = new Capture();
    const seen = new Set<string>();
    const pacing = pacingWithEvents(capture, seen, { retryBudget: { capacity: 1, refillPerSuccess: 0 } });
    const clock = recordingClock();
    const q = `?token=${CANARY}&api_key=${CANARY}`;

    const run = async (label: string, path: string, vendor: string, paced: boolean) => {
      const open = createResilientWebSocket(vendor, {
        url: `${ws?.origin ?? ''}${path}${q}`,
        headers: HEADERS,
        setup: () => ({ type: 'setup', token: CANARY }),
        clock,
        closeAfterErrorMs: 200,
        ...(paced ? { pacing } : {}),
      });
      const session = open();
      const eventNames = ['error', 'reconnecting', 'reconnected', 'giveup', 'close'] as const;
      for (const name of eventNames) {
        session.on(name, (...payload: unknown[]) => {
          if (name === 'error') capture.error(`${label} event error`, payload[0]);
          else
            capture.value(
              `${label} event ${name}`,
              payload.map((p) => (Buffer.isBuffer(p) ? p.toString() : p)),
            );
        });
      }
      const closed = await session.closed;
      capture.value(`${label} closed`, closed);
      capture.error(`${label} closed.error`, closed.error);
      capture.value(`${label} session.url`, session.url);
      capture.value(`${label} session`, session);
      return closed;
    };

    const refused = await run('refused upgrade', '/refused', 'audixa', false);
    const fatal = await run('1008', '/fatal', 'gradium', false);
    const exhausted = await run('budget', '/flaky', 'gradium', true);

    expect(isVendorError(refused.error) && refused.error.status).toBe(401);
    expect(isVendorError(fatal.error) && fatal.error.code).toBe('1008');
    expect(isVendorError(exhausted.error) && exhausted.error.category).toBe('budget_exhausted');
    expect(seen.has('budgetExhausted')).toBe(true);
    // The canary really went out on every upgrade.
    expect(
      ws.requests.every((r) => (r.url ?? '').includes(CANARY) && r.headers['x-api-key'] === CANARY),
    ).toBe(true);
    expect(capture.leaks()).toEqual([]);
  });
});
