import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createResilientWebSocket,
  messageTypeIs,
  type ReconnectingInfo,
} from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer, type ServerSide } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

const FAILURES = 100;

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Numbered client messages ("n:17") a connection received after its first message. */
function numbersAfterSetup(side: ServerSide): number[] {
  return side.received
    .slice(1)
    .filter((t) => t.startsWith('n:'))
    .map((t) => Number(t.slice(2)));
}

/**
 * A Gradium-style server that fails connections 1..100 with error 1011 + close after a few
 * numbered messages, and ends connection 101 normally when the client says "done".
 */
async function flakyGradium(): Promise<ScriptedServer> {
  return startScriptedServer({
    connected(side) {
      side.socket.once('message', () => side.socket.send(JSON.stringify({ type: 'ready' })));
      let seen = 0;
      const failAfter = 1 + (side.number % 4);
      side.socket.on('message', (data) => {
        const text = data.toString();
        if (text === 'done') side.socket.close(1000);
        if (!text.startsWith('n:') || side.number > FAILURES) return;
        if (++seen === failAfter) {
          side.socket.send(JSON.stringify({ type: 'error', message: 'injected', code: 1011 }));
          side.socket.close(1011);
        }
      });
    },
  });
}

async function runSession(replay: boolean) {
  server = await flakyGradium();
  const clock = recordingClock();
  const session = createResilientWebSocket('gradium', {
    url: ({ connection }) => `${server?.origin}/api/speech/tts?token=t${connection}`,
    setup: ({ connection }) => ({ type: 'setup', client_req_id: `conn-${connection}` }),
    isReady: messageTypeIs('ready'),
    replay,
    maxBufferedMessages: 1_000_000,
    maxBufferedBytes: 64 * 1024 * 1024,
    // Every connection here reaches `ready`, so each 1011 starts a fresh run of attempts.
    stableAfterMs: 0,
    random: () => 0,
    clock,
    // With the default pacing on: a reconnect after a connection that worked takes no retry
    // token, so 100 such failures do not exhaust the vendor's budget.
  })();
  const sentWhileDisconnected: number[] = [];
  const lastSentBeforeActivation: number[] = [];
  const reconnecting: ReconnectingInfo[] = [];
  let next = 1;
  const sendOne = (): void => {
    if (session.readyState !== session.OPEN) sentWhileDisconnected.push(next);
    session.send(`n:${next++}`);
  };
  const pump = setInterval(sendOne, 1);
  session.on('open', () => lastSentBeforeActivation.push(next - 1));
  session.on('reconnecting', (info) => {
    reconnecting.push(info);
    sendOne(); // certainly sent while disconnected
  });
  session.on('reconnected', ({ connection }) => {
    lastSentBeforeActivation.push(next - 1);
    if (connection === FAILURES + 1) {
      clearInterval(pump);
      session.send('done');
    }
  });
  const end = await session.closed;
  clearInterval(pump);
  return {
    end,
    clock,
    reconnecting,
    sentWhileDisconnected,
    lastSentBeforeActivation,
    sentCount: next - 1,
  };
}

describe('100 injected 1011 failures in one Gradium session', () => {
  it('sends setup first on every connection and delivers every message held while disconnected exactly once, in order', async () => {
    const run = await runSession(false);
    const sides = server?.sides ?? [];

    expect(run.end).toEqual({ code: 1000, reason: '' });
    expect(sides).toHaveLength(FAILURES + 1);
    expect(run.reconnecting).toHaveLength(FAILURES);
    expect(
      run.reconnecting.every((r) => r.decision.action === 'reconnect' && r.decision.code === '1011'),
    ).toBe(true);
    // The waits are the engine's decisions, scheduled as decided.
    expect(run.clock.delaysMs).toEqual(run.reconnecting.map((r) => r.decision.delayMs));
    sides.forEach((side, i) => {
      expect(JSON.parse(side.received[0] ?? 'null')).toEqual({
        type: 'setup',
        client_req_id: `conn-${i + 1}`,
      });
    });
    const delivered = sides.flatMap(numbersAfterSetup);
    for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThan(delivered[i - 1] ?? 0);
    const deliveredSet = new Set(delivered);
    expect(run.sentWhileDisconnected.length).toBeGreaterThanOrEqual(FAILURES);
    expect(run.sentWhileDisconnected.filter((n) => !deliveredSet.has(n))).toEqual([]);
    expect(sides.at(-1)?.received.at(-1)).toBe('done');
  });

  it('with replay on, every new connection receives every message since setup, in order, none missing', async () => {
    const run = await runSession(true);
    const sides = server?.sides ?? [];

    expect(run.end).toEqual({ code: 1000, reason: '' });
    expect(sides).toHaveLength(FAILURES + 1);
    expect(run.lastSentBeforeActivation).toHaveLength(FAILURES + 1);
    sides.forEach((side, i) => {
      expect(JSON.parse(side.received[0] ?? 'null')).toEqual({
        type: 'setup',
        client_req_id: `conn-${i + 1}`,
      });
      const numbers = numbersAfterSetup(side);
      // 1, 2, 3, … with no gap, and at least everything sent before this connection went live.
      expect(numbers).toEqual(numbers.map((_, k) => k + 1));
      expect(numbers.length).toBeGreaterThanOrEqual(run.lastSentBeforeActivation[i] ?? Infinity);
    });
    const last = numbersAfterSetup(sides.at(-1) as ServerSide);
    expect(last.length).toBe(run.sentCount);
  });
});
