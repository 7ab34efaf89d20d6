import { afterEach, describe, expect, it } from '@jest/globals';
import { getEventListeners } from 'node:events';
import got from 'got';
import { isVendorError, type VendorError } from '../../../lib/index.js';
import {
  runVendorJob,
  vendorResilience,
  type DecisionEvent,
  type VendorJobSpec,
} from '../../../lib/adapters/got/index.js';
import { fakeTime } from '../got/helpers/fake-time.js';
import {
  closedPort,
  startFaultServer,
  startSilentServer,
  eventually,
  type FaultServer,
  type SilentServer,
} from './loopback.js';

/**
 * The got helpers' fake time, each recorded wait also letting other work run (a `setImmediate`
 * turn by default, or `onWait`) before it ends.
 */
function instantTime(onWait: () => Promise<unknown> = () => new Promise((resolve) => setImmediate(resolve))) {
  return fakeTime(Date.UTC(2026, 0, 1), onWait);
}

async function caught(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (isVendorError(error)) return error as VendorError;
    throw new Error(`expected a VendorError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to fail');
}

let servers: (FaultServer | SilentServer)[] = [];
afterEach(async () => {
  // Every client socket must be gone: the adapter leaves nothing running.
  for (const server of servers)
    await eventually(() => server.openSockets() === 0, 2000, 'client sockets to close');
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(handler: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const started = await startFaultServer(handler);
  servers.push(started);
  return started;
}

/** Headers, then half of the announced body, then a TCP reset. */
const resetMidBody: Parameters<typeof startFaultServer>[0] = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
  res.write(Buffer.alloc(500, 1), () => res.socket?.resetAndDestroy());
};

/** ZenHire's async job against a loopback server: submit → 202 {id}; polls answered by `poll`. */
function zenhireJob(base: string): VendorJobSpec {
  return {
    submit: () => ({
      url: `${base}/api/v1/speech/analyze`,
      options: { method: 'POST', json: { language: 'en' } },
    }),
    jobId: (body) => (body as { id?: string }).id,
    poll: (id) => ({ url: `${base}/api/v1/speech/analyze/${id}`, options: { method: 'GET' } }),
  };
}

describe('HTTP through real sockets: network faults end in the policy action and a typed error', () => {
  it('zenhire submit reset mid-body: fail at once (it may have been billed), one request', async () => {
    const srv = await server(resetMidBody);
    const events: DecisionEvent[] = [];
    const client = got.extend(vendorResilience('zenhire', { onDecision: (e) => events.push(e) }));
    const error = await caught(client.post(`${srv.url}/api/v1/speech/analyze`, { json: { a: 1 } }));
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.decision.rule).toMatch(/fallback-network-maybe-delivered/);
    // got's own error keeps got's code (the network error's).
    expect(String((error as { code?: unknown }).code)).toMatch(/ECONNRESET|ERR_HTTP_CONTENT_LENGTH_MISMATCH/);
    expect(error.attempts).toBe(1);
    expect(srv.seen).toHaveLength(1);
    expect(events.map((e) => e.decision.action)).toEqual(['fail']);
  });

  it('zenhire poll reset mid-body: retried (poll is documented safe), then the job completes', async () => {
    const srv = await server((req, res, index) => {
      if (req.method === 'POST') {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'run_1', status: 'queued', pollIntervalSeconds: 10 }));
      } else if (index === 1) {
        resetMidBody(req, res, index, () => undefined);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'run_1', status: 'success', result: { cefr: 'B2' } }));
      }
    });
    const time = instantTime();
    const events: DecisionEvent[] = [];
    const result = await runVendorJob('zenhire', zenhireJob(srv.url), {
      clock: time.clock,
      random: () => 0,
      onDecision: (e) => events.push(e),
    });
    expect(result.body).toEqual({ id: 'run_1', status: 'success', result: { cefr: 'B2' } });
    expect(result.submissions).toBe(1);
    expect(srv.seen.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
    const reset = events.find((e) => e.phase === 'poll' && e.status === undefined);
    expect(reset?.decision).toMatchObject({ action: 'retry', category: 'network' });
  });

  it('breeze sync TTS whose server closes right after the headers: fail, one request', async () => {
    const srv = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': '4096' });
      res.flushHeaders();
      res.socket?.end();
    });
    const client = got.extend(vendorResilience('breeze'));
    const error = await caught(
      client
        .post(`${srv.url}/v1/text-to-speech/voice_1`, { json: { text: 'hi', delivery: 'sync' } })
        .buffer(),
    );
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.attempts).toBe(1);
    expect(srv.seen).toHaveLength(1);
  });

  it('a server that never answers: got timeout.request through the adapter; submit fails with ETIMEDOUT after one request', async () => {
    const srv = await server(() => undefined);
    const client = got.extend({ timeout: { request: 200 } }, vendorResilience('zenhire'));
    const started = Date.now();
    const error = await caught(client.post(`${srv.url}/api/v1/speech/analyze`, { json: {} }));
    expect(Date.now() - started).toBeLessThan(2000);
    // got's own error keeps got's code (the network error's).
    expect(String((error as { code?: unknown }).code)).toMatch(/ETIMEDOUT/);
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(srv.seen).toHaveLength(1);
  });

  it('a poll that never answers: retried with timeouts up to the cap, then a typed "gave up" error', async () => {
    const srv = await server((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'run_1', status: 'queued' }));
      }
      // Polls are never answered.
    });
    const time = instantTime();
    const spec = zenhireJob(srv.url);
    const error = await caught(
      runVendorJob(
        'zenhire',
        {
          ...spec,
          poll: (id) => ({ ...spec.poll(id), options: { method: 'GET', timeout: { request: 150 } } }),
        },
        { clock: time.clock, random: () => 0 },
      ),
    );
    const polls = srv.seen.filter((r) => r.method === 'GET').length;
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/ETIMEDOUT/);
    // zenhire's retry cap is 4 attempts: 4 polls were sent, with a computed wait between each.
    expect(polls).toBe(4);
    expect(srv.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a slow-drip body that finishes is delivered whole (no false timeout)', async () => {
    const srv = await server((_req, res, _index, later) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '10' });
      const drip = (left: number): void => {
        if (left === 0) {
          res.end();
          return;
        }
        res.write('x');
        later(() => drip(left - 1), 20);
      };
      drip(10);
    });
    const client = got.extend({ timeout: { request: 2000 } }, vendorResilience('zenhire'));
    const body = await client.post(`${srv.url}/api/v1/speech/analyze`, { json: {} }).text();
    expect(body).toBe('x'.repeat(10));
    expect(srv.seen).toHaveLength(1);
  });

  it('a slow-drip body that outlives timeout.request: submit fails with ETIMEDOUT, not resent', async () => {
    const srv = await server((_req, res, _index, later) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
      const drip = (): void => {
        if (res.destroyed) return;
        res.write('x');
        later(drip, 30);
      };
      drip();
    });
    const client = got.extend({ timeout: { request: 200 } }, vendorResilience('breeze'));
    const error = await caught(client.post(`${srv.url}/v1/text-to-speech/v`, { json: {} }).buffer());
    // got's own error keeps got's code (the network error's).
    expect(String((error as { code?: unknown }).code)).toMatch(/ETIMEDOUT/);
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(srv.seen).toHaveLength(1);
  });

  it('DNS failure (.invalid never resolves): retried because nothing reached the vendor, then gives up', async () => {
    const time = instantTime();
    const events: DecisionEvent[] = [];
    const client = got.extend(
      vendorResilience('zenhire', { clock: time.clock, random: () => 0, onDecision: (e) => events.push(e) }),
    );
    const error = await caught(
      client.post('http://vendor-resilience-test.invalid/api/v1/speech/analyze', { json: {} }),
    );
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(events.slice(0, -1).every((e) => e.decision.action === 'retry')).toBe(true);
    expect(events[0]?.decision.rule).toMatch(/fallback-network-unsent/);
    expect(events).toHaveLength(4);
    expect(time.waits).toHaveLength(3);
  });

  it('connection refused on a just-closed port: submit retried (never sent), then gives up at the cap', async () => {
    const port = await closedPort();
    const time = instantTime();
    const events: DecisionEvent[] = [];
    const client = got.extend(
      vendorResilience('zenhire', { clock: time.clock, random: () => 0, onDecision: (e) => events.push(e) }),
    );
    const error = await caught(client.post(`http://127.0.0.1:${port}/api/v1/speech/analyze`, { json: {} }));
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.attempts).toBe(4);
    expect(events.map((e) => e.decision.action)).toEqual(['retry', 'retry', 'retry', 'fail']);
  });

  it('connection refused, then the server comes up on that port: the retry succeeds', async () => {
    const port = await closedPort();
    let srv: FaultServer | undefined;
    const client = got.extend(
      vendorResilience('zenhire', {
        random: () => 0,
        // The retry wait is where the server comes up.
        clock: instantTime(async () => {
          srv ??= await startFaultServer((_req, res) => res.end('{"id":"run_1","status":"queued"}'), port);
        }).clock,
      }),
    );
    const body = await client.post(`http://127.0.0.1:${port}/api/v1/speech/analyze`, { json: {} }).json();
    expect(body).toEqual({ id: 'run_1', status: 'queued' });
    expect(srv?.seen).toHaveLength(1);
    if (srv) servers.push(srv);
  });

  it('a silent TCP peer (accepts, never speaks HTTP): timeout, one connection, socket closed', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const client = got.extend({ timeout: { request: 200 } }, vendorResilience('audixa'));
    const error = await caught(client.post(`http://127.0.0.1:${silent.port}/v3/tts`, { json: {} }));
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    // got's own error keeps got's code (the network error's).
    expect(String((error as { code?: unknown }).code)).toMatch(/ETIMEDOUT/);
    expect(silent.accepted).toBe(1);
  });

  it('a per-request got `signal` leaves no listener behind, and aborting it later rejects nothing (bug fixed in lib/adapters/got)', async () => {
    const srv = await server((_req, res) => res.end('ok'));
    const client = got.extend(vendorResilience('breeze'));
    const longLived = new AbortController();
    for (let i = 0; i < 12; i++) {
      expect(await client.get(`${srv.url}/v1/generation-jobs/j`, { signal: longLived.signal }).text()).toBe(
        'ok',
      );
      expect(
        await client.stream(`${srv.url}/v1/generation-jobs/j`, { signal: longLived.signal }).toArray(),
      ).toEqual([Buffer.from('ok')]);
    }
    // Before the fix, got's unused request (built before the adapter's handler) kept one listener per call.
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      longLived.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(srv.seen).toHaveLength(24);
  });

  it('a per-request got `signal` aborted in flight rejects the call with the abort, once, and is not resent', async () => {
    const srv = await server(() => undefined);
    const client = got.extend(vendorResilience('zenhire'));
    const controller = new AbortController();
    const call = client.post(`${srv.url}/api/v1/speech/analyze`, { json: {}, signal: controller.signal });
    await eventually(() => srv.seen.length === 1, 2000, 'the request to arrive');
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(srv.seen).toHaveLength(1);
  });
});
