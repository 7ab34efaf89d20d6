import { afterEach, describe, expect, it } from '@jest/globals';
import type { DecisionEvent } from '../../../lib/run/run-options.js';
import { isVendorError } from '../../../lib/run/errors.js';
import { createResilientWebSocket, type ReconnectingInfo } from '../../../lib/adapters/ws/index.js';
import { recordingClock, type RecordingClock } from '../../support/recording-clock.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

let server: ScriptedServer | undefined;
let clock: RecordingClock | undefined;
afterEach(async () => {
  clock?.dispose();
  await server?.close();
  server = undefined;
  clock = undefined;
});

describe('onDecision: the session reports the decisions it acts on, as the HTTP adapter does', () => {
  it('each connection end once (two refusals, then a clean end), with one callId and the status', async () => {
    server = await startScriptedServer({
      refuse: (n) => (n <= 2 ? { status: 503, headers: { 'Retry-After': '2' } } : undefined),
      connected(side) {
        side.socket.once('message', () => side.socket.close(1000));
      },
    });
    clock = recordingClock();
    const events: DecisionEvent[] = [];
    const session = createResilientWebSocket('audixa', {
      url: server.origin,
      setup: () => ({ text: 'hello' }),
      clock,
      onDecision: (event) => events.push(event),
    })();
    const reconnecting: ReconnectingInfo[] = [];
    session.on('reconnecting', (info) => reconnecting.push(info));
    const end = await session.closed;

    expect(end).toEqual({ code: 1000, reason: '' });
    expect(reconnecting).toHaveLength(2);
    expect(events.map((e) => [e.attempt, e.status, e.decision.action])).toEqual([
      [1, 503, reconnecting[0]?.decision.action],
      [2, 503, reconnecting[1]?.decision.action],
      [3, undefined, 'ok'],
    ]);
    expect(events.slice(0, 2).map((e) => e.decision)).toEqual(reconnecting.map((r) => r.decision));
    expect(new Set(events.map((e) => e.callId)).size).toBe(1);
    expect(events.every((e) => e.vendor === 'audixa')).toBe(true);
  });

  it('a callback that throws changes nothing', async () => {
    server = await startScriptedServer({
      refuse: (n) => (n === 1 ? { status: 503, headers: { 'Retry-After': '1' } } : undefined),
      connected(side) {
        side.socket.once('message', () => side.socket.close(1000));
      },
    });
    clock = recordingClock();
    let calls = 0;
    const session = createResilientWebSocket('audixa', {
      url: server.origin,
      setup: () => ({ text: 'hello' }),
      clock,
      onDecision: () => {
        calls += 1;
        throw new Error('logging broke');
      },
    })();
    expect(await session.closed).toEqual({ code: 1000, reason: '' });
    expect(calls).toBe(2);
  });
});

describe('deadlineMs: how long the session may reconnect without a stable connection', () => {
  it('a reconnect wait that cannot end before the deadline is not started: the session gives up', async () => {
    server = await startScriptedServer({
      refuse: () => ({ status: 503, headers: { 'Retry-After': '60' } }),
      connected: () => undefined,
    });
    clock = recordingClock();
    const events: DecisionEvent[] = [];
    const session = createResilientWebSocket('audixa', {
      url: server.origin,
      clock,
      deadlineMs: 30_000,
      onDecision: (event) => events.push(event),
    })();
    const reconnecting: ReconnectingInfo[] = [];
    session.on('reconnecting', (info) => reconnecting.push(info));
    const end = await session.closed;

    expect(reconnecting).toHaveLength(0);
    expect(clock.delaysMs).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(end.code).toBe(1006);
    expect(isVendorError(end.error)).toBe(true);
    if (!isVendorError(end.error)) return;
    expect(end.error.decision.action).toBe('fail');
    expect(end.error.decision.reason).toContain('deadlineMs');
    expect(end.error.status).toBe(503);
    expect(events.map((e) => e.decision)).toEqual([end.error.decision]);
  });

  it('without a deadline the same session waits the 60 s and reconnects', async () => {
    server = await startScriptedServer({
      refuse: (n) => (n === 1 ? { status: 503, headers: { 'Retry-After': '60' } } : undefined),
      connected(side) {
        side.socket.once('message', () => side.socket.close(1000));
      },
    });
    clock = recordingClock();
    const session = createResilientWebSocket('audixa', {
      url: server.origin,
      setup: () => ({ text: 'hello' }),
      clock,
    })();
    expect(await session.closed).toEqual({ code: 1000, reason: '' });
    expect(clock.delaysMs).toHaveLength(1);
    expect(clock.delaysMs[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('a stable connection starts the deadline again: a session older than it still reconnects', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.on('message', (data) => {
          if (String(data) === 'drop') side.socket.close(1011);
          else if (side.number === 2) side.socket.close(1000);
        });
      },
    });
    clock = recordingClock();
    const session = createResilientWebSocket('audixa', {
      url: server.origin,
      setup: () => ({ text: 'hello' }),
      clock,
      deadlineMs: 30_000,
      stableAfterMs: 5000,
    })();
    const reconnecting: ReconnectingInfo[] = [];
    session.on('reconnecting', (info) => reconnecting.push(info));
    await new Promise<void>((resolve) => session.once('open', resolve));
    // The first connection stays up 40 s (longer than the deadline), then the server drops it.
    clock.manual.advance(40_000);
    session.send('drop');
    const end = await session.closed;

    expect(reconnecting).toHaveLength(1);
    expect(reconnecting[0]?.attempt).toBe(1);
    expect(end).toEqual({ code: 1000, reason: '' });
    expect(server.sides).toHaveLength(2);
  });
});
