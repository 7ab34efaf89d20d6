import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createResilientWebSocket,
  OutboxFullError,
  WebSocketSessionError,
  type SessionEvent,
} from '../../../lib/adapters/ws/index.js';
import { startEchoServer, startScriptedServer, type ScriptedServer } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('session lifecycle', () => {
  it('close() while waiting to reconnect cancels the wait and ends at once', async () => {
    server = await startScriptedServer({
      refuse: () => ({ status: 503, headers: { 'Retry-After': '60' } }),
      connected: () => undefined,
    });
    const clock = recordingClock();
    const session = createResilientWebSocket('audixa', { url: server.origin, clock })();
    session.on('reconnecting', () => session.close());
    const end = await session.closed;

    expect(end).toEqual({ code: 1000, reason: '' });
    expect(clock.delaysMs).toHaveLength(1);
    expect(clock.delaysMs[0]).toBeGreaterThanOrEqual(60_000);
    expect(clock.pending()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(1);
    expect(session.readyState).toBe(session.CLOSED);
    // As ws: dropped, and only the callback hears of it.
    expect(session.send('late')).toBeUndefined();
    expect(await new Promise((resolve) => session.send('late', resolve))).toMatchObject({
      message: 'WebSocket is not open: readyState 3 (CLOSED)',
    });
  });

  it('close(code, reason) on an open session does the closing handshake and fires close once', async () => {
    server = await startEchoServer();
    const session = createResilientWebSocket('gradium', { url: server.origin, setup: () => 'setup' })();
    const closes: [number, string][] = [];
    session.on('close', (code, reason) => closes.push([code, reason.toString()]));
    await new Promise<void>((resolve) => session.once('open', resolve));
    const seen = new Promise<[number, string]>((resolve) =>
      server?.sides[0]?.socket.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    session.close(4001, 'user done');
    expect(session.readyState).toBe(session.CLOSING);
    const refused = new Promise((resolve) => session.send('x', resolve));
    expect(await seen).toEqual([4001, 'user done']);
    expect(await session.closed).toEqual({ code: 4001, reason: 'user done' });
    expect(closes).toEqual([[4001, 'user done']]);
    expect(await refused).toMatchObject({ message: 'WebSocket is not open: readyState 2 (CLOSING)' });
  });

  it('an AbortSignal ends the session; an aborted one never connects', async () => {
    server = await startEchoServer();
    const controller = new AbortController();
    const open = createResilientWebSocket('gradium', { url: server.origin, signal: controller.signal });
    const session = open();
    await new Promise<void>((resolve) => session.once('open', resolve));
    controller.abort();
    expect(await session.closed).toEqual({ code: 1000, reason: 'aborted' });

    const late = open();
    expect(await late.closed).toEqual({ code: 1000, reason: 'aborted' });
    expect(server.requests).toHaveLength(1);

    const perSession = new AbortController();
    const third = createResilientWebSocket('gradium', { url: server.origin })({ signal: perSession.signal });
    perSession.abort();
    expect((await third.closed).reason).toBe('aborted');
  });

  it('bounds what it holds while connecting and says so', async () => {
    server = await startEchoServer();
    const session = createResilientWebSocket('gradium', {
      url: server.origin,
      maxBufferedMessages: 2,
      maxBufferedBytes: 10,
    })();
    session.send('12345');
    expect(() => session.send('1234567')).toThrow(OutboxFullError);
    session.send('12345');
    expect(() => session.send('x')).toThrow(/1000|bound is 2 messages/);
    expect(session.bufferedAmount).toBe(10);
    const echoed: string[] = [];
    session.on('message', (data) => {
      echoed.push(data.toString());
      if (echoed.length === 2) session.close();
    });
    await session.closed;
    expect(echoed).toEqual(['12345', '12345']);
  });

  it('offers the ws/DOM event API: addEventListener, once, removeEventListener, on<event>', async () => {
    server = await startEchoServer();
    const session = createResilientWebSocket('gradium', { url: server.origin })();
    const seen: string[] = [];
    const onMessage = (event: SessionEvent): void => {
      seen.push(`message:${String(event.data)}:${String(event.isBinary)}`);
      if (event.data === 'second') session.close(1000, 'bye');
    };
    session.addEventListener('open', (event) => {
      seen.push(`open:${event.target === session}`);
      session.send('first');
      session.send('second');
    });
    session.addEventListener('message', onMessage);
    session.addEventListener('message', onMessage); // added once only, as in ws
    session.addEventListener('message', { handleEvent: () => seen.push('once') }, { once: true });
    session.onclose = (event) =>
      seen.push(`close:${String(event.code)}:${String(event.reason)}:${String(event.wasClean)}`);
    expect(typeof session.onclose).toBe('function');
    await session.closed;
    expect(seen).toEqual([
      'open:true',
      'message:first:false',
      'once',
      'message:second:false',
      'close:1000:bye:true',
    ]);
    session.removeEventListener('message', onMessage);
    expect(session.listenerCount('message')).toBe(0);
  });

  it('a failing URL callback ends the session with a redacted WebSocketSessionError', async () => {
    const session = createResilientWebSocket('gradium', {
      url: () => {
        throw new Error('token endpoint said no for https://api.example/token?token=sekrit-123');
      },
    })();
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const end = await session.closed;
    expect(errors[0]).toBeInstanceOf(WebSocketSessionError);
    expect(errors[0]?.message).toMatch(/could not prepare connection 1/);
    expect(errors[0]?.message).not.toContain('sekrit-123');
    expect(end.error).toBe(errors[0]);
  });

  it('rejects bad options by name', () => {
    expect(() => createResilientWebSocket('gradium', { url: 'ws://x', maxBufferedBytes: -1 })).toThrow(
      /maxBufferedBytes/,
    );
    expect(() => createResilientWebSocket('gradium', { url: 42 as unknown as string })).toThrow(
      /\(options\.url\)/,
    );
    expect(() => createResilientWebSocket('nope-vendor', { url: 'ws://x' })).toThrow(/nope-vendor/);
  });
});
