import { afterEach, describe, expect, it } from '@jest/globals';
import { isVendorError, type VendorError } from '../../../lib/run/errors.js';
import { createPacing, type Pacing, type PacingEventMap } from '../../../lib/pacing/index.js';
import {
  createResilientWebSocket,
  WebSocketSessionError,
  type GiveUpInfo,
  type ResilientWebSocket,
} from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

let server: ScriptedServer | undefined;
let pacing: Pacing | undefined;
const sessions: ResilientWebSocket[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  await pacing?.close();
  pacing = undefined;
  await server?.close();
  server = undefined;
});

const API_KEY = 'ak_shared_pacing_key';

/** Waits (on real time, bounded) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A server whose first upgrade is refused with 429 + `Retry-After: 1`; it notes when each upgrade arrived. */
async function gateServer(): Promise<{ server: ScriptedServer; upgradeAtMs: number[] }> {
  const upgradeAtMs: number[] = [];
  const started = await startScriptedServer({
    refuse(n) {
      upgradeAtMs.push(Date.now());
      return n === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: 'slow down' } : undefined;
    },
    connected(side) {
      side.socket.once('message', () => side.socket.close(1000));
    },
  });
  return { server: started, upgradeAtMs };
}

/** Opens the first session (it gets the 429) and resolves once the vendor's gate has closed. */
async function closeTheGate(
  open: () => ResilientWebSocket,
  paced: Pacing,
): Promise<PacingEventMap['gateClosed']> {
  const gate = new Promise<PacingEventMap['gateClosed']>((resolve) => paced.on('gateClosed', resolve));
  sessions.push(open());
  return gate;
}

describe('WebSocket sessions paced by createPacing()', () => {
  it("a 429 with Retry-After closes the vendor's gate: another session does not connect before it opens", async () => {
    const started = await gateServer();
    server = started.server;
    pacing = createPacing();
    const open = createResilientWebSocket('audixa', {
      url: `${server.origin}/v3/tts/stream`,
      headers: { 'x-api-key': API_KEY },
      setup: () => ({ text: 'hello' }),
      pacing,
    });
    const gate = await closeTheGate(open, pacing);
    const secondOpenedAtMs = Date.now();
    const second = open();
    sessions.push(second);
    sessions[0]?.close(); // the first session need not retry: the second one shows the gate
    const end = await second.closed;

    expect(gate.decision).toMatchObject({ action: 'backoff', delaySource: 'header', retryAfterMs: 1000 });
    expect(gate.key).not.toContain(API_KEY);
    const [refusedAtMs, secondAtMs] = started.upgradeAtMs as [number, number];
    expect(started.upgradeAtMs).toHaveLength(2);
    expect(gate.openAtMs).toBeGreaterThanOrEqual(refusedAtMs + 1000);
    // The second session's upgrade reached the server only once the gate had opened.
    expect(secondAtMs).toBeGreaterThanOrEqual(gate.openAtMs);
    expect(secondAtMs - secondOpenedAtMs).toBeGreaterThanOrEqual(500);
    expect(end).toEqual({ code: 1000, reason: '' });
    expect(server.sides[0]?.received).toEqual([JSON.stringify({ text: 'hello' })]);
  });

  it('sessions with a token minted per connection share one pacer through pacingKey', async () => {
    const started = await gateServer();
    server = started.server;
    pacing = createPacing();
    let minted = 0;
    const open = createResilientWebSocket('audixa', {
      // A single-use token per connection: without pacingKey each session would get its own pacer.
      url: () => `${server!.origin}/v3/tts/stream?api_key=tok_${++minted}_single_use`,
      setup: () => ({ text: 'hello' }),
      pacing,
      pacingKey: 'account-42',
    });
    const gate = await closeTheGate(open, pacing);
    const second = open();
    sessions.push(second);
    sessions[0]?.close();
    await second.closed;
    const [, secondAtMs] = started.upgradeAtMs as [number, number];
    expect(secondAtMs).toBeGreaterThanOrEqual(gate.openAtMs);
    expect(gate.key).not.toContain('account-42');
  });

  it('close() while queued behind the gate ends the session at once, and nothing is sent', async () => {
    const started = await gateServer();
    server = started.server;
    const paced = (pacing = createPacing());
    const open = createResilientWebSocket('audixa', {
      url: `${server.origin}/v3/tts/stream`,
      headers: { 'x-api-key': API_KEY },
      pacing,
    });
    await closeTheGate(open, paced);
    const pacer = paced.pacer({ vendor: 'audixa', credential: API_KEY }); // the sessions' pacer
    const second = open();
    sessions.push(second);
    await until(() => pacer.counts().queued === 1, 'the second session to queue');
    const errors: Error[] = [];
    second.on('error', (error) => errors.push(error));

    const closingAtMs = Date.now();
    second.close();
    const end = await second.closed;

    expect(Date.now() - closingAtMs).toBeLessThan(100);
    expect(end).toEqual({ code: 1000, reason: '' });
    expect(errors).toEqual([]);
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('a pacing that refuses to schedule (closed) ends a queued session through the fail path', async () => {
    const started = await gateServer();
    server = started.server;
    const paced = (pacing = createPacing());
    const open = createResilientWebSocket('audixa', {
      url: `${server.origin}/v3/tts/stream`,
      headers: { 'x-api-key': API_KEY },
      pacing,
    });
    await closeTheGate(open, paced);
    const pacer = paced.pacer({ vendor: 'audixa', credential: API_KEY });
    const second = open();
    sessions.push(second);
    await until(() => pacer.counts().queued === 1, 'the second session to queue');
    const errors: Error[] = [];
    const giveups: GiveUpInfo[] = [];
    second.on('error', (error) => errors.push(error));
    second.on('giveup', (info) => giveups.push(info));

    await paced.close();
    const end = await second.closed;

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebSocketSessionError);
    expect(errors[0]?.message).toMatch(/pacing did not let connection 1 start/);
    expect(giveups).toEqual([{ error: errors[0], decision: undefined, connections: 1 }]);
    expect(end.code).toBe(1006);
    expect(end.error).toBe(errors[0]);
    expect(server.requests).toHaveLength(1);
  });

  it('a run of 1011 closes exhausts the retry budget: giveup with budget_exhausted, fewer connections', async () => {
    const started = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => side.socket.close(1011, 'internal error'));
      },
    });
    server = started;
    const run = async (paced: Pacing | undefined) => {
      const before = started.requests.length;
      const clock = recordingClock();
      const session = createResilientWebSocket('gradium', {
        url: `${started.origin}/api/speech/tts`,
        setup: () => ({ type: 'setup' }),
        clock,
        random: () => 0,
        ...(paced ? { pacing: paced } : {}),
      })();
      const errors: Error[] = [];
      const giveups: GiveUpInfo[] = [];
      session.on('error', (error) => errors.push(error));
      session.on('giveup', (info) => giveups.push(info));
      const end = await session.closed;
      return { connections: started.requests.length - before, errors, giveups, end, clock };
    };

    const unpaced = await run(undefined);
    pacing = createPacing({ retryBudget: { capacity: 2, refillPerSuccess: 0.1 } });
    const exhausted: PacingEventMap['budgetExhausted'][] = [];
    pacing.on('budgetExhausted', (event) => exhausted.push(event));
    const paced = await run(pacing);

    // Without the budget the policy's attempt cap ends the run.
    expect(unpaced.connections).toBe(5);
    expect(unpaced.errors[0]).toMatchObject({ action: 'fail', category: 'server_error' });
    // With it: 2 tokens pay for 2 reconnects (3 successes give back only 0.3), the third is refused.
    expect(paced.connections).toBe(3);
    expect(paced.connections).toBeLessThan(unpaced.connections);
    expect(paced.clock.delaysMs).toHaveLength(2);
    expect(paced.errors).toHaveLength(1);
    const [error] = paced.errors as [VendorError];
    expect(isVendorError(error)).toBe(true);
    expect(error).toMatchObject({ action: 'fail', category: 'budget_exhausted', attempts: 3 });
    expect(error.decision.rule).toBe('gradium#retry-budget');
    expect(error.message).toMatch(/retry budget for gradium is exhausted/);
    expect(paced.giveups).toEqual([{ error, decision: error.decision, connections: 3 }]);
    expect(paced.end.error).toBe(error);
    expect(paced.end.code).toBe(1011);
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0]?.decision).toMatchObject({ action: 'reconnect' });
  });

  it('a concurrency slot is held while connecting, not for the life of the session', async () => {
    const started = await startScriptedServer({
      refuse: (n) => (n === 1 ? { status: 401, body: 'invalid api key' } : undefined),
      connected: () => undefined, // keep every accepted session open
    });
    server = started;
    const paced = (pacing = createPacing({
      vendors: { audixa: { maxConcurrent: 1, requestsPerMinute: 60_000 } },
    }));
    const running: number[] = [];
    paced.on('counts', (event) => running.push(event.running));
    const open = createResilientWebSocket('audixa', {
      url: `${started.origin}/v3/tts/stream`,
      headers: { 'x-api-key': API_KEY },
      pacing,
    });
    const refused = open();
    sessions.push(refused);
    const refusedEnd = await refused.closed;
    const live = [open(), open()];
    sessions.push(...live);
    await Promise.all(
      live.map((session) => new Promise<void>((resolve) => session.once('open', () => resolve()))),
    );
    // `open` comes within ws's own, as ws emits it; the turn is given back right after, in the same tick.
    await new Promise((resolve) => setImmediate(resolve));

    expect(refusedEnd.error).toMatchObject({ action: 'fail', status: 401 });
    expect(started.sides).toHaveLength(2);
    expect(live.map((session) => session.readyState)).toEqual([1, 1]);
    const pacer = paced.pacer({ vendor: 'audixa', credential: API_KEY });
    expect(pacer.settings().maxConcurrent).toBe(1);
    expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
    // Every attempt went through the pacer, one at a time.
    expect(running.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...running)).toBe(1);
  });

  it('rejects a pacing option that is not a pacing', () => {
    expect(() =>
      createResilientWebSocket('audixa', { url: 'ws://127.0.0.1:1/', pacing: {} as Pacing }),
    ).toThrow(/option "pacing"/);
  });
});
