// Adversarial tests of `vendor-resilience/testing` as a user's own test suite would lean on it: what
// docs/testing.md promises about fault plans, closing, clocks, vendor envelopes and the request log.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  createManualClock,
  FaultPlanError,
  parseFaultPlan,
  startVendorSimulator,
  type FaultPlan,
  type VendorSimulator,
  type VendorSimulatorOptions,
} from '../../../lib/testing/index.js';
import { messageTypes, openWebSocket, runSession, UpgradeRejected } from './ws-client.js';

const started: VendorSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function start(options: VendorSimulatorOptions): Promise<VendorSimulator> {
  const sim = await startVendorSimulator(options);
  started.push(sim);
  return sim;
}

const breezeTts = (sim: VendorSimulator) =>
  fetch(`${sim.url}/v1/text-to-speech/v1`, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
const zenhireSubmit = (sim: VendorSimulator) =>
  fetch(`${sim.url}/api/v1/speech/analyze`, { method: 'POST', body: 'audio' });

/** Sends raw bytes on a fresh connection; resolves with what came back before the server closed (or 2 s). */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`${received}[no answer]`);
    }, 2000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('fault plans are refused early, naming the field', () => {
  it.each([1004, 1005, 1006, 1015, 2000])(
    'ws-error closeCode %i (a code no server can send) is refused',
    (closeCode) => {
      const plan = { faults: [{ kind: 'ws-error', afterMessages: 1, closeCode }] };
      expect(() => parseFaultPlan(plan)).toThrow(FaultPlanError);
      expect(() => parseFaultPlan(plan)).toThrow(/faults\[0\]\.closeCode/);
    },
  );

  it('ws-error closeCodes a server can send (1000–1003, 1007–1014, 3000–4999) pass', () => {
    for (const closeCode of [1000, 1003, 1007, 1011, 1014, 3000, 4999]) {
      expect(() =>
        parseFaultPlan({ faults: [{ kind: 'ws-error', afterMessages: 0, closeCode }] }),
      ).not.toThrow();
    }
  });

  it.each([
    ['error', { kind: 'error', status: 103 }],
    ['reject-upgrade', { kind: 'reject-upgrade', status: 101 }],
  ])('%s with a 1xx status (no final answer: the client hangs) is refused', (_kind, fault) => {
    expect(() => parseFaultPlan({ faults: [fault] })).toThrow(/faults\[0\]\.status: expected an HTTP status/);
  });

  it.each([0.5, 1.5])('rate-limit burst %d (not a whole number of requests) is refused', (burst) => {
    const plan = { faults: [{ kind: 'rate-limit', tokensPerSecond: 1, burst }] };
    expect(() => parseFaultPlan(plan)).toThrow(/faults\[0\]\.burst: expected an integer ≥ 1/);
  });

  it('a plan naming another vendor’s endpoint is refused when the simulator starts (it could never fire)', async () => {
    const plan: FaultPlan = { faults: [{ kind: 'error', times: 1, match: { endpoint: 'breeze.tts' } }] };
    const error: unknown = await start({ vendor: 'zenhire', faultPlan: plan }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultPlanError);
    expect((error as Error).message).toMatch(
      /faults\[0\]\.match\.endpoint: "breeze\.tts" is not a zenhire endpoint/,
    );
  });

  it('setFaultPlan refuses another vendor’s endpoint too, and keeps the running plan', async () => {
    const sim = await start({ vendor: 'zenhire', faultPlan: { faults: [{ kind: 'error', times: 1 }] } });
    const wrong: FaultPlan = {
      faults: [{ kind: 'error', match: { endpoint: ['zenhire.poll', 'audixa.poll'] } }],
    };
    expect(() => sim.setFaultPlan(wrong)).toThrow(
      /faults\[0\]\.match\.endpoint: "audixa\.poll" is not a zenhire endpoint/,
    );
    expect((await zenhireSubmit(sim)).status).toBe(500);
  });

  it('a WebSocket-only fault on a vendor without WebSockets is refused (it could never fire)', async () => {
    const plan: FaultPlan = { faults: [{ kind: 'reject-upgrade', status: 503 }] };
    await expect(start({ vendor: 'breeze', faultPlan: plan })).rejects.toThrow(
      /faults\[0\]\.kind: "reject-upgrade" acts only on WebSocket endpoints; breeze has none/,
    );
  });

  it('a misspelt endpoint is refused with the endpoints that vendor has', () => {
    const plan = { faults: [{ kind: 'error', match: { endpoint: 'zenhire.submitt' } }] };
    expect(() => parseFaultPlan(plan)).toThrow(
      'faults[0].match.endpoint: unknown endpoint "zenhire.submitt" (zenhire has zenhire.submit, zenhire.poll)',
    );
    const unknownVendor = { faults: [{ kind: 'error', match: { endpoint: 'eleven.tts' } }] };
    expect(() => parseFaultPlan(unknownVendor)).toThrow(
      /unknown endpoint "eleven\.tts" \(endpoints are named <vendor>\.<name>: gradium\.tts, /,
    );
  });

  it('changing the plan object after the simulator started does not change the running plan', async () => {
    const plan = { faults: [{ kind: 'error' as const, code: 'INTERNAL_ERROR', times: 1 }] };
    const sim = await start({ vendor: 'breeze', faultPlan: plan });
    // A shared fixture edited by a later test, unvalidated (a string `times` means "unlimited" below).
    (plan.faults[0] as { times: unknown }).times = 'many';
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await breezeTts(sim)).status);
    expect(statuses).toEqual([500, 200, 200]);
  });
});

describe('unknown and malformed requests get an answer, not a hang', () => {
  it('a request-target that is not a valid URL is answered 404 (no unhandled rejection)', async () => {
    const sim = await start({ vendor: 'breeze' });
    const answer = await rawExchange(sim.port, 'GET http://[bad/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer).toContain('"code":"RESOURCE_NOT_FOUND"');
    expect(sim.requests()).toMatchObject([{ endpoint: undefined, status: 404, outcome: 'responded' }]);
  });

  it('a WebSocket upgrade to a malformed request-target is refused 404', async () => {
    const sim = await start({ vendor: 'gradium' });
    const upgrade =
      'GET http://[bad/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    expect(await rawExchange(sim.port, upgrade)).toMatch(/^HTTP\/1\.1 404 /);
    expect(sim.requests()).toMatchObject([{ transport: 'ws', status: 404, outcome: 'upgrade-rejected' }]);
  });

  it.each([
    ['zenhire', 'GET', '/nope', 404, '"code":"NOT_FOUND"'],
    ['breeze', 'PUT', '/v1/text-to-speech/v1', 404, '"code":"RESOURCE_NOT_FOUND"'],
    ['audixa', 'GET', '/v3/nope', 404, '"detail":"Generation not found"'],
    ['gradium', 'GET', '/api/speech/tts', 404, 'Not Found'],
  ] as const)('%s %s %s → %i', async (vendor, method, path, status, body) => {
    const sim = await start({ vendor });
    const res = await fetch(`${sim.url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(body);
  });
});

describe('documented Retry-After on errors named by code', () => {
  it('ZenHire POLL_RATE_LIMITED by code alone carries Retry-After and error.retryAfterSeconds (documented on every 429)', async () => {
    const sim = await start({
      vendor: 'zenhire',
      faultPlan: { faults: [{ kind: 'error', code: 'POLL_RATE_LIMITED' }] },
    });
    const res = await zenhireSubmit(sim);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      code: 'POLL_RATE_LIMITED',
      retryAfterSeconds: 10,
    });
  });

  it.each([
    ['RATE_LIMIT_EXCEEDED', 429],
    ['SERVICE_WARMING_UP', 503],
  ])('ZenHire %s by code alone carries Retry-After and error.retryAfterSeconds', async (code, status) => {
    const sim = await start({ vendor: 'zenhire', faultPlan: { faults: [{ kind: 'error', code }] } });
    const res = await zenhireSubmit(sim);
    expect(res.status).toBe(status);
    const seconds = Number(res.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(((await res.json()) as { error: Record<string, unknown> }).error['retryAfterSeconds']).toBe(
      seconds,
    );
  });

  it('Breeze GENERATION_NOT_READY by code alone carries Retry-After (documented: "with Retry-After")', async () => {
    const sim = await start({
      vendor: 'breeze',
      faultPlan: { faults: [{ kind: 'error', code: 'GENERATION_NOT_READY' }] },
    });
    const res = await breezeTts(sim);
    expect(res.status).toBe(425);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('a fault’s own retryAfterSeconds, and sendRetryAfterHeader: false, still win', async () => {
    const sim = await start({
      vendor: 'zenhire',
      faultPlan: {
        faults: [
          { kind: 'error', code: 'POLL_RATE_LIMITED', retryAfterSeconds: 3, times: 1 },
          { kind: 'error', code: 'POLL_RATE_LIMITED', sendRetryAfterHeader: false, times: 1 },
        ],
      },
    });
    const first = await zenhireSubmit(sim);
    expect(first.headers.get('retry-after')).toBe('3');
    await first.arrayBuffer();
    const second = await zenhireSubmit(sim);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBeNull();
    await second.arrayBuffer();
  });
});

/** A vendor document, by its path in the repository (`docs/vendor-docs/…`, as citations name them). */
const vendorDoc = (path: string): string =>
  readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('every documented error code, as the vendor documents it', () => {
  it('Breeze: each row of the error reference gives its status and the envelope with its default message', async () => {
    const rows = [
      ...vendorDoc('docs/vendor-docs/breeze-errors.txt').matchAll(
        /^([A-Z_]+) \| (\d{3}) \| \w+ \| \w+ \| (.+?) \|$/gm,
      ),
    ];
    expect(rows.length).toBeGreaterThan(30);
    const sim = await start({ vendor: 'breeze' });
    const wrong = [];
    for (const [, code, status, message] of rows) {
      sim.setFaultPlan({ faults: [{ kind: 'error', code }] });
      const res = await breezeTts(sim);
      const body = await res.text();
      const expected = JSON.stringify({ ok: false, code, detail: message, error: message });
      if (res.status !== Number(status) || body !== expected) wrong.push(`${code}: ${res.status} ${body}`);
    }
    expect(wrong).toEqual([]);
  });

  it('Audixa: an error fault with each documented status answers the documented {"detail"} body', async () => {
    const doc = vendorDoc('docs/vendor-docs/audixa-errors.txt').split('Common Errors')[1]!;
    const documented = [...doc.matchAll(/^(\d{3}) [A-Za-z ]+\n[\s\S]*?"detail": "([^"]+)"/gm)].map(
      ([, status, detail]) => [Number(status), detail!] as const,
    );
    expect(documented.map(([status]) => status)).toEqual([400, 401, 402, 404, 429, 500]);
    const sim = await start({ vendor: 'audixa' });
    const wrong = [];
    for (const [status, detail] of documented) {
      sim.setFaultPlan({ faults: [{ kind: 'error', status }] });
      const res = await fetch(`${sim.url}/v3/tts?generation_id=x`);
      const body = (await res.json()) as { detail: unknown };
      if (res.status !== status || body.detail !== detail)
        wrong.push(`${status}: ${res.status} ${JSON.stringify(body)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('ZenHire: each HTTP row of the code table (docs/vendor-docs/VENDORS.md §4) gives its status in the documented envelope', async () => {
    const section = vendorDoc('docs/vendor-docs/VENDORS.md').split('## 4. ZenHire')[1]!.split('\n## 5.')[0]!;
    const rows = [...section.matchAll(/^\| ([A-Z_ /]+) \| (\d{3}) \|/gm)].flatMap(([, names, status]) =>
      names!.split(' / ').map((code) => [code.trim(), Number(status)] as const),
    );
    expect(rows.length).toBeGreaterThan(20);
    const sim = await start({ vendor: 'zenhire' });
    const wrong = [];
    for (const [code, status] of rows) {
      sim.setFaultPlan({ faults: [{ kind: 'error', code }] });
      const res = await zenhireSubmit(sim);
      const body = (await res.json()) as { error: Record<string, unknown> };
      const shapeOk =
        body.error['code'] === code &&
        typeof body.error['message'] === 'string' &&
        typeof body.error['timestamp'] === 'string';
      if (res.status !== status || !shapeOk) wrong.push(`${code}: ${res.status} ${JSON.stringify(body)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('WebSocket close codes', () => {
  it('ws-error with 4000 (an application code) sends the error message, then closes with 4000', async () => {
    const sim = await start({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'ws-error', afterMessages: 1, closeCode: 4000, message: 'custom' }] },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`);
    const result = await runSession(ws, [{ type: 'setup' }]);
    expect(result.closeCode).toBe(4000);
    expect(messageTypes(result.messages)).toEqual(['ready', 'error']);
    expect(result.messages[1]).toEqual({
      kind: 'json',
      value: { type: 'error', message: 'custom', code: 4000 },
    });
  });
});

describe('session faults act on the sessions and streams they count against', () => {
  it('a ws-error is not used up by a session the vendor refused (wrong key): the next good session gets it', async () => {
    const sim = await start({
      vendor: 'gradium',
      apiKey: 'good-key',
      faultPlan: { faults: [{ kind: 'ws-error', afterMessages: 1, closeCode: 1011, times: 1 }] },
    });
    const refused = await runSession(
      await openWebSocket(`${sim.wsUrl}/api/speech/tts`, { 'x-api-key': 'wrong-key' }),
      [],
    );
    expect(refused.closeCode).toBe(1008);
    const good = await runSession(
      await openWebSocket(`${sim.wsUrl}/api/speech/tts`, { 'x-api-key': 'good-key' }),
      [{ type: 'setup' }, { type: 'text', text: 'a b' }, { type: 'end_of_stream' }],
    );
    expect(good.closeCode).toBe(1011);
    expect(sim.requests().map((r) => [r.wsCloseCode, r.faults])).toEqual([
      [1008, []],
      [1011, ['ws-error']],
    ]);
    expect(sim.faultFirings()).toHaveLength(1);
  });

  it('a stream-error on a stream shorter than afterLines still reaches the client: before the final end_of_stream', async () => {
    const sim = await start({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'stream-error', afterLines: 50 }] },
    });
    const res = await fetch(`${sim.url}/api/post/speech/tts`, {
      method: 'POST',
      body: JSON.stringify({ text: 'a' }),
    });
    const types = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).toEqual(['text', 'audio', 'error']);
  });
});

describe('job endpoints as each vendor documents them', () => {
  it('Audixa WS: the audio_url of `completed` serves the finished file (the documented backup)', async () => {
    const sim = await start({ vendor: 'audixa' });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=k`);
    const result = await runSession(ws, [{ text: 'one two', voice_id: 'am_ethan' }]);
    expect(result.closeCode).toBe(1000);
    const completed = result.messages.at(-1);
    expect(completed).toMatchObject({ kind: 'json', value: { type: 'completed' } });
    const audioUrl = completed?.kind === 'json' ? String(completed.value['audio_url']) : '';
    const audio = await fetch(audioUrl);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
  });
});

describe('faults count requests in the order they arrived (the log’s order)', () => {
  it('a request whose body is still arriving is counted before one that came after it', async () => {
    const sim = await start({ vendor: 'breeze', faultPlan: { faults: [{ kind: 'error', times: 1 }] } });
    const body = JSON.stringify({ text: 'hi' });
    const slow = httpRequest(`${sim.url}/v1/text-to-speech/v1`, {
      method: 'POST',
      headers: { 'content-length': String(body.length) },
    });
    const slowStatus = new Promise<number | undefined>((resolve) =>
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      }),
    );
    slow.write(body.slice(0, 4));
    while (sim.requests().length === 0) await new Promise((resolve) => setImmediate(resolve));

    const fast = await breezeTts(sim);
    slow.end(body.slice(4));

    expect([await slowStatus, fast.status]).toEqual([500, 200]);
    expect(sim.requests().map((r) => [r.sequence, r.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
  });
});

describe('the manual clock next to jest’s fake timers', () => {
  it('autoAdvance and advanceAsync still move time when jest fakes setImmediate (its default)', async () => {
    const { setTimeout: realDelay } = await import('node:timers/promises');
    jest.useFakeTimers();
    const clock = createManualClock(0, { autoAdvance: true });
    try {
      const slept = clock.sleep(1_000).then(() => 'slept');
      expect(await Promise.race([slept, realDelay(1_000).then(() => 'stuck')])).toBe('slept');
      const manual = createManualClock(0);
      const waited = manual.sleep(500).then(() => manual.now());
      const advanced = manual.advanceAsync(500).then(() => 'advanced');
      expect(await Promise.race([advanced, realDelay(1_000).then(() => 'stuck')])).toBe('advanced');
      expect(await waited).toBe(500);
    } finally {
      clock.dispose();
      jest.useRealTimers();
    }
  });

  it('a simulator and the library on one auto-advancing manual clock under jest fake timers', async () => {
    jest.useFakeTimers();
    const clock = createManualClock(0, { autoAdvance: true });
    try {
      const sim = await start({
        vendor: 'zenhire',
        clock,
        faultPlan: { faults: [{ kind: 'latency', delayMs: 30_000, times: 1 }] },
      });
      const { setTimeout: realDelay } = await import('node:timers/promises');
      const answered = zenhireSubmit(sim).then((res) => res.status);
      expect(await Promise.race([answered, realDelay(2_000).then(() => 'stuck')])).toBe(202);
      expect(clock.now()).toBe(30_000);
    } finally {
      clock.dispose();
      jest.useRealTimers();
    }
  });
});

describe('what holds up', () => {
  it('close() settles at once with a latency wait, a half-sent body and an open WebSocket; twice is fine', async () => {
    const clock = createManualClock(0);
    const sim = await start({
      vendor: 'gradium',
      clock,
      faultPlan: { faults: [{ kind: 'latency', delayMs: 60_000, match: { endpoint: 'gradium.tts' } }] },
    });
    const held = fetch(`${sim.url}/api/post/speech/tts`, { method: 'POST', body: '{"text":"x"}' }).then(
      (res) => res.status,
      (error: unknown) => (error as Error).message,
    );
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/asr`);
    const wsClosed = runSession(ws, [{ type: 'setup' }]);
    const halfSent = httpRequest(`${sim.url}/api/post/speech/asr`, {
      method: 'POST',
      headers: { 'content-length': '1000' },
    });
    const halfSentEnded = new Promise((resolve) => halfSent.on('error', resolve));
    halfSent.write('abc');
    while (clock.pendingWaits() === 0) await new Promise((resolve) => setImmediate(resolve));

    await Promise.all([sim.close(), sim.close()]);
    await sim.close();

    expect(await held).toBe('fetch failed');
    expect((await wsClosed).closeCode).toBe(1006);
    await halfSentEnded;
    expect(clock.pendingWaits()).toBe(0);
    await expect(fetch(sim.url)).rejects.toThrow(/fetch failed/);
  });

  it('a ws-error the session never reaches (afterMessages beyond its end) is used up without acting, as documented', async () => {
    const sim = await start({
      vendor: 'gradium',
      faultPlan: { faults: [{ kind: 'ws-error', afterMessages: 50, closeCode: 1011, times: 1 }] },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/api/speech/tts`);
    const result = await runSession(ws, [
      { type: 'setup' },
      { type: 'text', text: 'a' },
      { type: 'end_of_stream' },
    ]);
    expect(result.closeCode).toBe(1000);
    expect(sim.requests()[0]!.faults).toEqual([]);
    expect(sim.faultFirings()).toMatchObject([{ kind: 'ws-error' }]);
  });

  it('a latency fault waits on the simulator’s clock: with a manual clock, until the test moves it', async () => {
    const clock = createManualClock(0);
    const sim = await start({
      vendor: 'breeze',
      clock,
      faultPlan: { faults: [{ kind: 'latency', delayMs: 5_000 }] },
    });
    const answered = breezeTts(sim).then((res) => res.status);
    while (clock.pendingWaits() === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(sim.requests()[0]).toMatchObject({ outcome: 'pending', faults: ['latency'] });
    clock.advance(5_000);
    expect(await answered).toBe(200);
    expect(sim.requests()[0]).toMatchObject({ receivedAtMs: 0, answeredAtMs: 5_000 });
  });

  it('plan order: the first answering fault wins and the ones after it do not see (or charge) that request', async () => {
    const clock = createManualClock(0);
    const sim = await start({
      vendor: 'breeze',
      clock,
      faultPlan: {
        faults: [
          { kind: 'error', code: 'UPSTREAM_TIMEOUT', times: 1 },
          { kind: 'rate-limit', tokensPerSecond: 1, burst: 1 },
          { kind: 'error', code: 'INTERNAL_ERROR', after: 1, times: 1 },
        ],
      },
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await breezeTts(sim)).status);
    clock.advance(1_000);
    statuses.push((await breezeTts(sim)).status);
    // 504 (the bucket untouched) · 200 (the token; the third fault lets its first request through) ·
    // 429 (no token; the third fault never sees it) · 500 (a new token; now the third fault fires).
    expect(statuses).toEqual([504, 200, 429, 500]);
    expect(sim.faultFirings().map((f) => f.index)).toEqual([0, 1, 2]);
  });

  it('several simulators run at once with their own counters, jobs and logs', async () => {
    const plan: FaultPlan = { faults: [{ kind: 'error', times: 1 }] };
    const [a, b] = await Promise.all([
      start({ vendor: 'zenhire', faultPlan: plan }),
      start({ vendor: 'zenhire', faultPlan: plan }),
    ]);
    expect(a.port).not.toBe(b.port);
    const statuses = [];
    for (const sim of [a, b, a, b]) statuses.push((await zenhireSubmit(sim)).status);
    expect(statuses).toEqual([500, 500, 202, 202]);
    expect(a.requests()).toHaveLength(2);
    expect(b.faultFirings()).toHaveLength(1);
  });

  it('the same seed gives the same probabilistic failures', async () => {
    const plan: FaultPlan = { seed: 7, faults: [{ kind: 'error', probability: 0.5 }] };
    const run = async (): Promise<number[]> => {
      const sim = await start({ vendor: 'breeze', faultPlan: plan });
      const statuses = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await breezeTts(sim)).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });

  it('token bucket: burst back to back, then 429 with Retry-After = seconds to the next token, then refill', async () => {
    const clock = createManualClock(0);
    const sim = await start({
      vendor: 'zenhire',
      clock,
      faultPlan: { faults: [{ kind: 'rate-limit', tokensPerSecond: 0.25, burst: 2 }] },
    });
    expect((await zenhireSubmit(sim)).status).toBe(202);
    expect((await zenhireSubmit(sim)).status).toBe(202);
    const limited = await zenhireSubmit(sim);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(await limited.json()).toMatchObject({
      error: { code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 4 },
    });
    clock.advance(3_999);
    expect((await zenhireSubmit(sim)).status).toBe(429);
    clock.advance(1);
    expect((await zenhireSubmit(sim)).status).toBe(202);
    expect((await zenhireSubmit(sim)).status).toBe(429);
  });

  it('jest modern fake timers drive the default clock: a warm-up ends when jest time passes it', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-04-21T12:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const sim = await start({
        vendor: 'zenhire',
        faultPlan: { faults: [{ kind: 'warm-up', durationMs: 60_000 }] },
      });
      expect((await zenhireSubmit(sim)).status).toBe(503);
      jest.setSystemTime(Date.now() + 60_000);
      expect((await zenhireSubmit(sim)).status).toBe(202);
      // A latency fault waits on the faked setTimeout: jest's time releases it.
      sim.setFaultPlan({ faults: [{ kind: 'latency', delayMs: 5_000 }] });
      let status: number | undefined;
      const answered = zenhireSubmit(sim).then((res) => (status = res.status));
      // The fault is logged as the wait starts: its timer is set from then on.
      while (!sim.requests()[2]?.faults.includes('latency')) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      await jest.advanceTimersByTimeAsync(4_999);
      expect(status).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(await answered).toBe(202);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ZenHire jobs: 202 queued, processing with Retry-After, POLL_RATE_LIMITED between polls, then failed by a job-failure', async () => {
    const clock = createManualClock(0);
    const sim = await start({
      vendor: 'zenhire',
      clock,
      faultPlan: { faults: [{ kind: 'job-failure', code: 'STUCK_TIMEOUT' }] },
    });
    const { id } = (await (await zenhireSubmit(sim)).json()) as { id: string };
    const poll = () => fetch(`${sim.url}/api/v1/speech/analyze/${id}`);
    const first = await poll();
    expect(first.headers.get('retry-after')).toBe('15');
    expect(await first.json()).toMatchObject({ status: 'processing' });
    clock.advance(4_000);
    const tooSoon = await poll();
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.headers.get('retry-after')).toBe('6');
    await tooSoon.arrayBuffer();
    clock.advance(6_000);
    expect(await (await poll()).json()).toMatchObject({ status: 'failed', error: { code: 'STUCK_TIMEOUT' } });
  });

  it('Breeze job audio: 425 GENERATION_NOT_READY with Retry-After while active, then the audio', async () => {
    const sim = await start({ vendor: 'breeze' });
    const submit = await fetch(`${sim.url}/v1/text-to-speech/v1`, {
      method: 'POST',
      body: JSON.stringify({ text: 'hi', delivery: 'async' }),
    });
    const { generation_job_id: id } = (await submit.json()) as { generation_job_id: string };
    const early = await fetch(`${sim.url}/v1/generation-jobs/${id}/audio`);
    expect(early.status).toBe(425);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(await early.json()).toEqual({
      ok: false,
      code: 'GENERATION_NOT_READY',
      detail: 'Generation is not ready yet.',
      error: 'Generation is not ready yet.',
    });
    const done = await fetch(`${sim.url}/v1/generation-jobs/${id}/audio`);
    expect(done.status).toBe(200);
    expect(done.headers.get('content-type')).toBe('audio/mpeg');
  });

  it('the request log never holds a credential: headers, query parameters of HTTP and upgrade requests', async () => {
    const sim = await start({ vendor: 'audixa', apiKey: 'ak_secret_123456' });
    await fetch(`${sim.url}/v3/tts?generation_id=x&api_key=ak_secret_123456`, {
      headers: { 'x-api-key': 'ak_secret_123456', authorization: 'Bearer ak_secret_123456' },
    });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=ak_secret_123456`);
    await runSession(ws, [{ text: 'a b', voice_id: 'v' }]);
    expect(JSON.stringify(sim.requests())).not.toContain('ak_secret_123456');
    expect(sim.requests()[1]).toMatchObject({
      path: '/v3/tts/stream?api_key=[REDACTED]',
      outcome: 'ws-closed',
    });
  });

  it('the simulator’s apiKey never appears in the log, wherever the client put it (a JSON field of a text frame, an unknown header)', async () => {
    const key = 'ak_live_5ecret99';
    const sim = await start({ vendor: 'audixa', apiKey: key });
    const ws = await openWebSocket(`${sim.wsUrl}/v3/tts/stream?api_key=${key}`);
    await runSession(ws, [{ text: 'a', voice_id: 'v', api_key: key }]);
    await fetch(`${sim.url}/v3/tts?generation_id=gen_000001&auth_key=${key}`, {
      headers: { 'x-api-key': key, 'x-audixa-key': key },
    });
    const log = JSON.stringify(sim.requests());
    expect(log).not.toContain(key);
    expect(sim.requests()[1]!.headers['x-audixa-key']).toBe('[REDACTED]');
  });

  it('reject-upgrade answers the upgrade with the status, Retry-After and body', async () => {
    const sim = await start({
      vendor: 'elsa',
      faultPlan: {
        faults: [{ kind: 'reject-upgrade', status: 429, retryAfterSeconds: 5, body: 'slow down' }],
      },
    });
    const error: unknown = await openWebSocket(`${sim.wsUrl}/api/v2/ws/score_audio`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeRejected);
    expect(error).toMatchObject({ status: 429, body: 'slow down', headers: { 'retry-after': '5' } });
  });
});
