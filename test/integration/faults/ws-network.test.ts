import { afterEach, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { isVendorError, type VendorError } from '../../../lib/index.js';
import {
  createResilientWebSocket,
  type GiveUpInfo,
  type ReconnectingInfo,
  type ResilientWebSocket,
} from '../../../lib/adapters/ws/index.js';
import { recordingClock } from '../../support/recording-clock.js';
import { closedPort, eventually, startSilentServer, type SilentServer } from './loopback.js';

interface PeerServer {
  url: string;
  /** Messages each connection received, by connection index. */
  received: string[][];
  wss: WebSocketServer;
  close(): Promise<void>;
}

/** A ws server on loopback; `onMessage` runs for every text message of connection `index`. */
async function startPeer(
  onMessage: (socket: WebSocket, index: number, destroyRaw: () => void) => void,
): Promise<PeerServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: string[][] = [];
  wss.on('connection', (socket, request) => {
    const index = received.length;
    const mine: string[] = [];
    received.push(mine);
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      mine.push(String(data));
      onMessage(socket, index, () => request.socket.destroy());
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v3/tts/stream`,
    received,
    wss,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  cleanups = [];
});

/** Collects a session's reconnecting/giveup events and its final state. */
function watch(session: ResilientWebSocket) {
  const reconnects: ReconnectingInfo[] = [];
  const giveups: GiveUpInfo[] = [];
  const errors: Error[] = [];
  session.on('reconnecting', (info) => reconnects.push(info));
  session.on('giveup', (info) => giveups.push(info));
  session.on('error', (error) => errors.push(error));
  return { reconnects, giveups, errors };
}

function asVendorError(error: unknown): VendorError {
  expect(isVendorError(error)).toBe(true);
  return error as VendorError;
}

describe('WebSocket through real sockets: network faults', () => {
  it.each([
    ['terminate() (no close frame)', (socket: WebSocket) => socket.terminate()],
    ['destroying the raw TCP socket', (_socket: WebSocket, destroyRaw: () => void) => destroyRaw()],
  ])(
    'a peer that vanishes by %s: reconnect per policy, setup replayed, then a normal end',
    async (_name, vanish) => {
      const peer = await startPeer((socket, index, destroyRaw) => {
        if (index === 0) vanish(socket, destroyRaw);
        else socket.close(1000, 'done');
      });
      cleanups.push(() => peer.close());
      const clock = recordingClock();
      const session = createResilientWebSocket('audixa', {
        url: peer.url,
        setup: () => ({ text: 'hello', voice_id: 'v' }),
        clock,
        random: () => 0,
      })();
      const seen = watch(session);
      const end = await session.closed;

      expect(end).toEqual({ code: 1000, reason: 'done' });
      expect(seen.reconnects).toHaveLength(1);
      expect(seen.reconnects[0]?.decision).toMatchObject({ action: 'reconnect', category: 'network' });
      expect(seen.reconnects[0]?.decision.reason).toMatch(/1006/);
      expect(seen.giveups).toHaveLength(0);
      // Two connections, each began with the setup message.
      expect(peer.received).toEqual([
        ['{"text":"hello","voice_id":"v"}'],
        ['{"text":"hello","voice_id":"v"}'],
      ]);
      expect(clock.pending()).toBe(0);
      await eventually(() => peer.wss.clients.size === 0, 2000, 'server-side sockets to close');
    },
  );

  it('a peer that vanishes on every connection: reconnects up to the cap, then gives up with a typed network error', async () => {
    const peer = await startPeer((socket) => socket.terminate());
    cleanups.push(() => peer.close());
    const clock = recordingClock();
    const session = createResilientWebSocket('audixa', {
      url: peer.url,
      setup: () => 'setup',
      clock,
      random: () => 0,
    })();
    const seen = watch(session);
    const end = await session.closed;

    const error = asVendorError(end.error);
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.vendor).toBe('audixa');
    // audixa's reconnect cap is 5 attempts: 5 connections, 4 waits between them.
    expect(peer.received).toHaveLength(5);
    expect(error.attempts).toBe(5);
    expect(seen.reconnects).toHaveLength(4);
    expect(clock.delaysMs).toHaveLength(4);
    expect(seen.giveups).toHaveLength(1);
    expect(seen.giveups[0]?.connections).toBe(5);
    expect(seen.errors).toEqual([error]);
    expect(clock.pending()).toBe(0);
    await eventually(() => peer.wss.clients.size === 0, 2000, 'server-side sockets to close');
  });

  it('a server that accepts TCP but never completes the upgrade: handshakeTimeout, reconnect to the cap, typed error', async () => {
    const silent: SilentServer = await startSilentServer();
    cleanups.push(() => silent.close());
    const clock = recordingClock();
    const started = Date.now();
    const session = createResilientWebSocket('gradium', {
      url: `ws://127.0.0.1:${silent.port}/api/speech/tts`,
      setup: () => 'setup',
      wsOptions: { handshakeTimeout: 150 },
      clock,
      random: () => 0,
    })();
    const seen = watch(session);
    const end = await session.closed;

    const error = asVendorError(end.error);
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/ETIMEDOUT/);
    expect(seen.reconnects.every((r) => r.decision.action === 'reconnect')).toBe(true);
    expect(silent.accepted).toBe(seen.reconnects.length + 1);
    expect(silent.accepted).toBe(error.attempts);
    // gradium's reconnect cap is 5 attempts.
    expect(silent.accepted).toBe(5);
    // Every attempt waited for the handshake timeout, not longer.
    expect(Date.now() - started).toBeLessThan(silent.accepted * 150 + 2000);
    expect(clock.pending()).toBe(0);
    await eventually(() => silent.openSockets() === 0, 2000, 'half-open sockets to close');
  });

  it('a refused connection: reconnect with backoff, then give up at the cap with a typed error', async () => {
    const port = await closedPort();
    const clock = recordingClock();
    let urlCalls = 0;
    const session = createResilientWebSocket('audixa', {
      url: () => {
        urlCalls += 1;
        return `ws://127.0.0.1:${port}/v3/tts/stream?api_key=ax_secret_key_123`;
      },
      clock,
      random: () => 0,
    })();
    const seen = watch(session);
    const end = await session.closed;

    const error = asVendorError(end.error);
    expect(error.category).toBe('network');
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.attempts).toBe(5);
    expect(urlCalls).toBe(5);
    expect(seen.reconnects.map((r) => r.decision.action)).toEqual([
      'reconnect',
      'reconnect',
      'reconnect',
      'reconnect',
    ]);
    // Backoff grows (computed, capped); never a zero-wait storm.
    expect(clock.delaysMs.every((d) => d > 0)).toBe(true);
    expect(JSON.stringify(error)).not.toContain('ax_secret_key_123');
    expect(clock.pending()).toBe(0);
  });

  it('close() while connecting to a silent server ends at once and leaves no socket', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const session = createResilientWebSocket('gradium', {
      url: `ws://127.0.0.1:${silent.port}/api/speech/tts`,
      wsOptions: { handshakeTimeout: 10_000 },
    })();
    await eventually(() => silent.accepted === 1, 2000, 'the connection to arrive');
    session.close();
    const end = await session.closed;
    expect(end.error).toBeUndefined();
    expect(session.readyState).toBe(session.CLOSED);
    await eventually(() => silent.openSockets() === 0, 2000, 'the half-open socket to close');
    expect(silent.accepted).toBe(1);
  });
});
