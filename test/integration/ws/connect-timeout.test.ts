import { afterEach, describe, expect, it } from '@jest/globals';
import type { Decision } from '../../../lib/core/engine/types.js';
import { isVendorError } from '../../../lib/run/errors.js';
import {
  createResilientWebSocket,
  messageTypeIs,
  type ResilientWebSocket,
} from '../../../lib/adapters/ws/index.js';
import { createManualClock } from '../../../lib/testing/clock.js';
import { recordingClock, type RecordingClock } from '../../support/recording-clock.js';
import { startSilentServer, type SilentServer } from '../faults/loopback.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

let server: ScriptedServer | undefined;
let silent: SilentServer | undefined;
let clock: RecordingClock | undefined;
afterEach(async () => {
  clock?.dispose();
  await server?.close();
  await silent?.close();
  server = undefined;
  silent = undefined;
});

function reconnectDecisions(session: ResilientWebSocket): Decision[] {
  const decisions: Decision[] = [];
  session.on('reconnecting', (event) => decisions.push(event.decision));
  return decisions;
}

describe('connectTimeoutMs: a connection that does not come up in time is dropped and retried', () => {
  it('an upgrade the server never answers: each attempt ends after the bound, then the session gives up', async () => {
    silent = await startSilentServer();
    clock = recordingClock({ realTimeDeadlines: true });
    const session = createResilientWebSocket('gradium', {
      url: `ws://127.0.0.1:${silent.port}`,
      connectTimeoutMs: 100,
      clock,
    })();
    const decisions = reconnectDecisions(session);
    const startedAt = Date.now();
    const errors: unknown[] = [];
    session.on('error', (error) => errors.push(error));
    await session.closed;
    const elapsedMs = Date.now() - startedAt;

    // Gradium's policy allows 5 attempts: 4 reconnects, then the fifth timeout fails the session.
    expect(decisions.map((d) => [d.action, d.category])).toEqual(Array(4).fill(['reconnect', 'network']));
    expect(decisions[0]?.reason).toContain('ETIMEDOUT');
    expect(silent.accepted).toBe(5);
    expect(elapsedMs).toBeGreaterThanOrEqual(5 * 100 - 20);
    expect(errors).toHaveLength(1);
    expect(isVendorError(errors[0]) && errors[0].decision.action).toBe('fail');
    expect(clock.pending()).toBe(0);
  });

  it('an upgrade that succeeds but never sends ready: the held message goes only to the connection that did', async () => {
    server = await startScriptedServer({
      connected(side) {
        // The first connection stays mute after the setup; the second says ready.
        // (The server records every text message in `side.received` itself.)
        side.socket.once('message', () => {
          if (side.number === 2) side.socket.send('{"type":"ready"}');
        });
      },
    });
    clock = recordingClock({ realTimeDeadlines: true });
    const session = createResilientWebSocket('gradium', {
      url: server.origin,
      setup: () => '{"type":"setup"}',
      isReady: messageTypeIs('ready'),
      connectTimeoutMs: 150,
      clock,
    })();
    const decisions = reconnectDecisions(session);
    session.send('{"type":"text","text":"hello"}');
    await new Promise<void>((resolve) => session.once('open', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ action: 'reconnect', category: 'network' });
    expect(server.sides.map((side) => side.received)).toEqual([
      ['{"type":"setup"}'],
      ['{"type":"setup"}', '{"type":"text","text":"hello"}'],
    ]);
    session.close();
    await session.closed;
  });

  it('an error message before the bound wins over the timeout (the engine hears the vendor, not us)', async () => {
    server = await startScriptedServer({
      connected(side) {
        // Reports a fatal error and then (misbehaving) never closes.
        side.socket.send('{"type":"error","message":"invalid api key","code":1008}');
      },
    });
    const session = createResilientWebSocket('gradium', {
      url: server.origin,
      setup: () => '{"type":"setup"}',
      isReady: messageTypeIs('ready'),
      connectTimeoutMs: 100,
      closeAfterErrorMs: 60_000,
    })();
    const errors: unknown[] = [];
    session.on('error', (error) => errors.push(error));
    await session.closed;
    expect(errors).toHaveLength(1);
    expect(isVendorError(errors[0]) && [errors[0].decision.action, errors[0].decision.code]).toEqual([
      'fail',
      '1008',
    ]);
  });

  it('an open session outlives the bound: the timer ends with the connection coming up', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.on('message', () => side.socket.send('{"type":"ready"}'));
      },
    });
    const session = createResilientWebSocket('gradium', {
      url: server.origin,
      setup: () => '{"type":"setup"}',
      isReady: messageTypeIs('ready'),
      connectTimeoutMs: 50,
    })();
    const decisions = reconnectDecisions(session);
    await new Promise<void>((resolve) => session.once('open', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(session.readyState).toBe(session.OPEN);
    expect(decisions).toEqual([]);
    expect(server.sides).toHaveLength(1);
    session.close();
    await session.closed;
  });

  it('rejects a negative or non-finite bound, naming the option', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createResilientWebSocket('gradium', { url: 'ws://127.0.0.1:1', connectTimeoutMs: bad }),
      ).toThrow(/option "connectTimeoutMs" must be a finite number ≥ 0/);
    }
  });
});

describe('the manual clock drives a session: its connection deadlines are waits on the clock', () => {
  it('a connect timeout passes when the clock is advanced, not before, and leaves no wait behind', async () => {
    silent = await startSilentServer();
    const manual = createManualClock(Date.UTC(2026, 3, 21, 12));
    const session = createResilientWebSocket('gradium', {
      url: `ws://127.0.0.1:${silent.port}`,
      connectTimeoutMs: 10_000,
      clock: manual,
      // No pacer on the clock: its only waits are the session's own.
      pacing: false,
    })();
    const decisions = reconnectDecisions(session);
    while (silent.accepted < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // Real time passes; the clock does not: the connection is still being waited for.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(decisions).toHaveLength(0);
    expect(manual.pendingWaits()).toBe(1);

    manual.advance(10_000);
    while (decisions.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(decisions[0]).toMatchObject({ action: 'reconnect', category: 'network' });
    expect(decisions[0]?.reason).toContain('ETIMEDOUT');
    session.close();
    await session.closed;
    expect(manual.pendingWaits()).toBe(0);
    manual.dispose();
  });
});
