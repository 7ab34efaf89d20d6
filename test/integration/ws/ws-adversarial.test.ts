// Adversarial tests of the WebSocket adapter against real loopback servers: that a session "still
// behaves as a `ws` WebSocket" (where ws meets the same situation, the test does the same to a plain
// ws WebSocket and expects the session to behave as it does), that nothing of a closed session is
// left behind (pacing turns, listeners on the caller's signal), and that the caller's callbacks
// cannot break a session in ways its own guarantees exclude.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from '@jest/globals';
import { WebSocket } from 'ws';
import {
  createResilientWebSocket,
  type ResilientWebSocket,
  type SessionEvent,
  WebSocketSessionError,
} from '../../../lib/adapters/ws/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { recordingClock } from '../../support/recording-clock.js';
import { startEchoServer, startScriptedServer, type ScriptedServer } from './scripted-server.js';

let server: ScriptedServer | undefined;
const sessions: ResilientWebSocket[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    session.removeAllListeners();
    session.close();
    // Bounded: a test that shows `closed` never resolving must not hang its cleanup.
    await Promise.race([session.closed, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  }
  await server?.close();
  server = undefined;
});

/** One turn of the event loop: every pending callback, microtask and nextTick has run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A session of the `gradium` policy on `origin`, closed after the test. */
function openSession(
  origin: string,
  options: Partial<Parameters<typeof createResilientWebSocket>[1]> = {},
): ResilientWebSocket {
  const session = createResilientWebSocket('gradium', { url: origin, ...options })();
  sessions.push(session);
  return session;
}

/** The listener operations a test applies to a plain `ws` WebSocket and to a session alike. */
interface DomTarget {
  addEventListener(type: 'message', listener: (event: SessionEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: SessionEvent) => void): void;
  removeAllListeners(type: 'message'): unknown;
  onmessage: ((event: SessionEvent) => void) | null;
  on(type: 'message', listener: () => void): unknown;
  send(data: string): void;
  close(): void;
  once(type: 'open', listener: () => void): unknown;
}

/**
 * Applies `script` to `target` (a plain ws WebSocket or a session) once it is open, sends one
 * message, and resolves with the names of the DOM-style listeners that heard its echo and what
 * `onmessage` reads afterwards.
 */
async function listenersHeard(
  target: DomTarget,
  script: (target: DomTarget, named: (name: string) => (event: SessionEvent) => void) => void,
): Promise<{ heard: string[]; onmessage: string | null }> {
  const heard: string[] = [];
  const listeners = new Map<string, (event: SessionEvent) => void>();
  const named = (name: string): ((event: SessionEvent) => void) => {
    let listener = listeners.get(name);
    if (!listener) {
      listener = () => heard.push(name);
      listeners.set(name, listener);
    }
    return listener;
  };
  await new Promise<void>((resolve) => target.once('open', resolve));
  script(target, named);
  const echoed = new Promise<void>((resolve) => target.on('message', resolve));
  target.send('echo me');
  await echoed;
  const current = target.onmessage;
  const onmessage = current === null ? null : ([...listeners].find(([, l]) => l === current)?.[0] ?? '?');
  target.close();
  return { heard: heard.sort(), onmessage };
}

describe('a session behaves as a ws WebSocket', () => {
  it('close() while connecting: readyState reads CLOSING and the close event comes after close() returns, as in ws', async () => {
    server = await startEchoServer();

    const plain = new WebSocket(server.origin);
    plain.on('error', () => undefined); // ws reports "closed before the connection was established"
    plain.close();
    const plainState = plain.readyState;
    // A listener added just after close() hears the close event.
    const plainCode = await new Promise<number>((resolve) => plain.once('close', resolve));
    expect(plainState).toBe(WebSocket.CLOSING);
    expect(plainCode).toBe(1006);

    const session = openSession(server.origin);
    session.close(4000, 'changed my mind');
    const state = session.readyState;
    let heard: [number, string] | undefined;
    session.once('close', (code, reason) => (heard = [code, reason.toString()]));
    await session.closed;
    await turn();

    expect(heard).toEqual([4000, 'changed my mind']);
    expect(state).toBe(session.CLOSING);
    expect(session.readyState).toBe(session.CLOSED);
  });

  it('a close listener that throws does not keep `closed` from resolving', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.close(1000, 'done');
      },
    });
    const session = openSession(server.origin);
    const heard = new Promise<number>((resolve) => session.once('close', resolve));
    session.on('close', () => {
      throw new Error('a bug in the application');
    });
    let settled: unknown;
    void session.closed.then((end) => (settled = end));

    expect(await heard).toBe(1000);
    await turn();
    await turn();
    // docs/websocket.md: `await session.closed` "resolves once, never rejects".
    expect(settled).toEqual({ code: 1000, reason: 'done' });
  });

  it('addEventListener and onmessage are separate listeners, as in ws: clearing one leaves the other', async () => {
    server = await startEchoServer();
    const script = (target: DomTarget, named: (name: string) => (event: SessionEvent) => void): void => {
      target.addEventListener('message', named('both'));
      target.onmessage = named('both');
      target.onmessage = null; // removes the handler property only
      target.onmessage = named('property');
      target.removeEventListener('message', named('property')); // removes no handler property
    };

    const plain = await listenersHeard(new WebSocket(server.origin) as unknown as DomTarget, script);
    expect(plain).toEqual({ heard: ['both', 'property'], onmessage: 'property' });

    const session = await listenersHeard(openSession(server.origin), script);
    expect(session).toEqual(plain);
  });

  it('addEventListener after removeAllListeners registers the listener again, as in ws', async () => {
    server = await startEchoServer();
    const script = (target: DomTarget, named: (name: string) => (event: SessionEvent) => void): void => {
      target.addEventListener('message', named('listener'));
      target.onmessage = named('property');
      target.removeAllListeners('message');
      target.addEventListener('message', named('listener'));
    };

    const plain = await listenersHeard(new WebSocket(server.origin) as unknown as DomTarget, script);
    expect(plain).toEqual({ heard: ['listener'], onmessage: null });

    const session = await listenersHeard(openSession(server.origin), script);
    expect(session).toEqual(plain);
  });

  it('with replay, bufferedAmount counts the messages held while not connected (as without replay)', async () => {
    server = await startEchoServer();
    const plain = openSession(server.origin);
    const replaying = openSession(server.origin, { replay: true });
    plain.send('12345');
    replaying.send('12345');

    expect(plain.bufferedAmount).toBe(5);
    expect(replaying.bufferedAmount).toBe(5);

    // Once a connection took them, only what its socket still queues counts.
    const echoed = new Promise((resolve) => replaying.once('message', resolve));
    await echoed;
    expect(replaying.bufferedAmount).toBe(0);
  });

  it('binaryType ignores a type ws does not know, as ws does', async () => {
    server = await startEchoServer();
    const plain = new WebSocket(server.origin);
    plain.on('error', () => undefined);
    (plain as { binaryType: string }).binaryType = 'blobby';
    expect(plain.binaryType).toBe('nodebuffer');
    plain.close();

    const session = openSession(server.origin);
    (session as { binaryType: string }).binaryType = 'blobby';
    expect(session.binaryType).toBe('nodebuffer');
    session.binaryType = 'arraybuffer';
    expect(session.binaryType).toBe('arraybuffer');
  });

  it('terminate() ends an open session at once without a closing handshake (close 1006), as in ws', async () => {
    server = await startEchoServer();
    const serverSaw: number[] = [];

    const serverClose = (index: number): Promise<number> =>
      new Promise((resolve) => server?.sides[index]?.socket.once('close', resolve));

    const plain = new WebSocket(server.origin);
    await new Promise((resolve) => plain.once('open', resolve));
    const plainServerSaw = serverClose(0);
    plain.terminate();
    const plainCode = await new Promise<number>((resolve) => plain.once('close', resolve));
    expect(plainCode).toBe(1006);
    serverSaw.push(await plainServerSaw);

    const session = openSession(server.origin);
    await new Promise<void>((resolve) => session.once('open', resolve));
    const sawClose = serverClose(1);
    session.terminate();
    expect(session.readyState).toBe(session.CLOSING);
    expect(await session.closed).toEqual({ code: 1006, reason: '' });
    serverSaw.push(await sawClose);
    // Neither sent a close frame: the server saw the socket drop.
    expect(serverSaw).toEqual([1006, 1006]);
    // As ws: a send after the end is dropped (its callback would hear why), not thrown.
    expect(session.send('late')).toBeUndefined();
  });
});

describe('a session leaves nothing behind once closed', () => {
  it("close() while a reconnect's URL callback ignores the signal frees the pacing turn at once", async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.send(JSON.stringify({ type: 'error', message: 'injected 1011', code: 1011 }));
        side.socket.close(1011, 'injected');
      },
    });
    const { origin } = server;
    const pacing = createPacing();
    const clock = recordingClock();
    let mintingSecond: () => void = () => undefined;
    const secondMinting = new Promise<void>((resolve) => (mintingSecond = resolve));
    const session = openSession(origin, {
      // The second connection's token request never answers, and does not listen to ctx.signal.
      url: ({ connection }) => {
        if (connection === 1) return `${origin}?api_key=ak_adversarial_1`;
        mintingSecond();
        return new Promise<string>(() => undefined);
      },
      pacing,
      clock,
    });
    try {
      await secondMinting;
      const pacer = pacing.pacer({ vendor: 'gradium', credential: 'ak_adversarial_1' });
      // The reconnect holds its turn while it mints its URL (connections are paced until open).
      expect(pacer.counts()).toEqual({ queued: 0, running: 1 });

      session.close();
      expect(await session.closed).toEqual({ code: 1000, reason: '' });
      await turn();
      // Nothing of the closed session may still count against the vendor's maxConcurrent.
      expect(pacer.counts()).toEqual({ queued: 0, running: 0 });
    } finally {
      clock.dispose();
      await pacing.close();
    }
  });
});

describe('a callback of the caller that throws ends the session with a WebSocketSessionError', () => {
  it('isReady that throws: the session gives up as for a failing setup callback (no uncaught exception, no hang)', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.send(JSON.stringify({ type: 'ready' }));
      },
    });
    const session = openSession(server.origin, {
      setup: () => ({ type: 'setup' }),
      isReady: () => {
        throw new Error('a bug in the predicate');
      },
    });
    const errors: Error[] = [];
    session.on('error', (error) => errors.push(error));
    // Bounded: on failure the session never ends (the exception escapes into ws's message event).
    const end = await Promise.race([
      session.closed,
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 500).unref()),
    ]);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebSocketSessionError);
    expect(errors[0]?.message).toMatch(/isReady.*a bug in the predicate/);
    expect(end).toEqual({ code: 1006, reason: '', error: errors[0] });
    expect(server.requests).toHaveLength(1);
  });
});

describe("the factory's signal", () => {
  it('holds one listener for all the sessions of the factory, not one each (Node warns of a leak past ten)', async () => {
    server = await startEchoServer();
    const controller = new AbortController();
    const open = createResilientWebSocket('gradium', { url: server.origin, signal: controller.signal });
    const many = Array.from({ length: 12 }, () => open());
    sessions.push(...many);
    await Promise.all(many.map((s) => new Promise<void>((resolve) => s.once('open', resolve))));

    // Twelve listeners here make Node print "MaxListenersExceededWarning: Possible EventTarget
    // memory leak detected. 11 abort listeners added to [AbortSignal]" for a factory used as documented.
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);

    controller.abort();
    const ends = await Promise.all(many.map((s) => s.closed));
    expect(ends.every((end) => end.code === 1000 && end.reason === 'aborted')).toBe(true);
  });

  it('keeps no listener on a long-lived signal once its sessions have ended (a factory made per call)', async () => {
    server = await startEchoServer();
    const appLifetime = new AbortController();
    for (let call = 0; call < 3; call++) {
      const open = createResilientWebSocket('gradium', { url: server.origin, signal: appLifetime.signal });
      const session = open();
      await new Promise<void>((resolve) => session.once('open', resolve));
      session.close();
      await session.closed;
    }
    await turn();
    expect(getEventListeners(appLifetime.signal, 'abort')).toHaveLength(0);
  });
});

describe('message and open, in the order ws gives them', () => {
  // A connection's messages are held until it is set up and handed out after open/reconnected
  // (bounded by maxBufferedMessages/maxBufferedBytes: past them, as they come).
  it('a server that greets at once: the first message comes after open, as with ws', async () => {
    // The server greets, then pings: its pong means the client has handled the greeting (frames are
    // handled in order).
    const greeted: Promise<void>[] = [];
    server = await startScriptedServer({
      connected(side) {
        side.socket.send(JSON.stringify({ type: 'hello' }));
        greeted.push(new Promise((resolve) => side.socket.once('pong', () => resolve())));
        side.socket.ping();
      },
    });

    const plainOrder: string[] = [];
    const plain = new WebSocket(server.origin);
    plain.on('open', () => plainOrder.push('open'));
    plain.on('message', (data) => plainOrder.push(`message ${data.toString()}`));
    await new Promise((resolve) => plain.once('open', resolve));
    await greeted[0];
    plain.close();
    expect(plainOrder).toEqual(['open', 'message {"type":"hello"}']);

    // The session's open waits for its setup (here built by an async callback, as a token or a
    // voice lookup would be); the greeting arrives meanwhile and is handed out before open.
    let setupBuilt: () => void = () => undefined;
    const built = new Promise<void>((resolve) => (setupBuilt = resolve));
    const order: string[] = [];
    const session = openSession(server.origin, {
      setup: async () => {
        await built;
        return { type: 'setup' };
      },
    });
    session.on('open', () => order.push('open'));
    session.on('message', (data) => order.push(`message ${data.toString()}`));
    const opened = new Promise<void>((resolve) => session.once('open', resolve));
    while (greeted.length < 2) await turn();
    await greeted[1];
    setupBuilt();
    await opened;
    await turn();

    expect(order).toEqual(plainOrder);
  });

  it('past maxBufferedMessages, messages held during setup are handed out as they come, in order, none lost', async () => {
    const greeted: Promise<void>[] = [];
    server = await startScriptedServer({
      connected(side) {
        for (const n of [1, 2, 3]) side.socket.send(JSON.stringify({ type: 'hello', n }));
        greeted.push(new Promise((resolve) => side.socket.once('pong', () => resolve())));
        side.socket.ping();
      },
    });
    let setupBuilt: () => void = () => undefined;
    const built = new Promise<void>((resolve) => (setupBuilt = resolve));
    const order: string[] = [];
    const session = openSession(server.origin, {
      maxBufferedMessages: 2,
      setup: async () => {
        await built;
        return { type: 'setup' };
      },
    });
    session.on('open', () => order.push('open'));
    session.on('message', (data) => order.push(`message ${JSON.parse(data.toString()).n}`));
    const opened = new Promise<void>((resolve) => session.once('open', resolve));
    while (greeted.length < 1) await turn();
    await greeted[0];
    // Two were held; the third passed the bound: all three came out then, in order, before open.
    expect(order).toEqual(['message 1', 'message 2', 'message 3']);
    setupBuilt();
    await opened;
    expect(order).toEqual(['message 1', 'message 2', 'message 3', 'open']);
  });
});

describe('close() while the session judges how a connection ended', () => {
  it("close() from onDecision about a clean end: the caller's close is the one reported, once", async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.close(1000, 'vendor done');
      },
    });
    const closes: [number, string][] = [];
    const session: ResilientWebSocket = createResilientWebSocket('gradium', {
      url: server.origin,
      onDecision: (event) => {
        if (event.decision.action === 'ok') session.close(4001, 'mine');
      },
    })();
    sessions.push(session);
    session.on('close', (code, reason) => closes.push([code, reason.toString()]));
    const end = await session.closed;
    await turn();
    expect(end).toEqual({ code: 4001, reason: 'mine' });
    expect(closes).toEqual([[4001, 'mine']]);
  });
});

describe('ping and pong, as ws has them', () => {
  it('ping() reaches the server and its pong comes back as a pong event; a server ping comes as a ping event', async () => {
    const pingsSeen: string[] = [];
    server = await startScriptedServer({
      connected(side) {
        side.socket.on('ping', (data) => pingsSeen.push(data.toString()));
        side.socket.on('message', () => side.socket.ping('from-server'));
      },
    });
    const session = openSession(server.origin);
    // Before it is open, as a plain ws WebSocket while CONNECTING: ping() throws.
    const plain = new WebSocket(server.origin);
    plain.on('error', () => undefined); // terminated before it opened
    expect(() => plain.ping()).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
    expect(() => session.ping()).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
    plain.terminate();
    await new Promise<void>((resolve) => session.once('open', resolve));

    const pong = new Promise<Buffer>((resolve) => session.once('pong', resolve));
    // ws hands the callback no error (null) once the frame is written.
    const written = new Promise<Error | null | undefined>((resolve) =>
      session.ping('hello', undefined, resolve),
    );
    expect(await written).toBeFalsy();
    expect((await pong).toString()).toBe('hello');
    expect(pingsSeen).toEqual(['hello']);

    const ping = new Promise<Buffer>((resolve) => session.once('ping', resolve));
    session.send('go');
    expect((await ping).toString()).toBe('from-server');
  });

  it('once closed, ping(cb) hands cb the error instead of throwing, as ws does', async () => {
    server = await startEchoServer();
    const session = openSession(server.origin);
    await new Promise<void>((resolve) => session.once('open', resolve));
    session.close();
    await session.closed;
    const error = await new Promise<Error | undefined>((resolve) => session.ping(resolve));
    expect(error?.message).toBe('WebSocket is not open: readyState 3 (CLOSED)');
  });
});

describe('send(data, options?, cb?), as ws has it', () => {
  it('cb hears of the write; options go to the socket (a Buffer sent as text with binary: false)', async () => {
    const received: [string, boolean][] = [];
    server = await startScriptedServer({
      connected(side) {
        side.socket.on('message', (data, isBinary) => received.push([data.toString(), isBinary]));
      },
    });
    const session = openSession(server.origin);
    await new Promise<void>((resolve) => session.once('open', resolve));
    const written = await new Promise<Error | null | undefined>((resolve) =>
      session.send(Buffer.from('as text'), { binary: false }, resolve),
    );
    expect(written).toBeFalsy();
    const alsoWritten = await new Promise<Error | null | undefined>((resolve) =>
      session.send('plain', resolve),
    );
    expect(alsoWritten).toBeFalsy();
    while (received.length < 2) await turn();
    expect(received).toEqual([
      ['as text', false],
      ['plain', false],
    ]);
  });

  it('a message held while connecting calls cb once sent; one still held when the session ends gets an error', async () => {
    server = await startEchoServer();
    const session = openSession(server.origin);
    const outcomes: string[] = [];
    // Sent before the connection is set up: held, then written on it.
    session.send('early', (error) => outcomes.push(error ? `error: ${error.message}` : 'written'));
    await new Promise<void>((resolve) => session.once('open', resolve));
    while (outcomes.length < 1) await turn();
    expect(outcomes).toEqual(['written']);

    const closing = openSession(server.origin);
    closing.send('never', (error) => outcomes.push(error ? `error: ${error.message}` : 'written'));
    closing.close();
    await closing.closed;
    while (outcomes.length < 2) await turn();
    expect(outcomes[1]).toBe('error: the WebSocket session ended before the message was sent');
  });
});

describe('url, as ws has it', () => {
  it('a fixed URL reads at once, before the connection opens, its credentials redacted', async () => {
    server = await startEchoServer();
    const given = `${server.origin}/v1/stream?api_key=sk_live_url_canary_123&lang=en`;
    const plain = new WebSocket(given);
    plain.on('error', () => undefined);
    expect(plain.url).toBe(given);
    plain.terminate();
    const session = openSession(given);
    expect(session.url).toBe(`${server.origin}/v1/stream?api_key=[REDACTED]&lang=en`);
    await new Promise<void>((resolve) => session.once('open', resolve));
    expect(session.url).toBe(`${server.origin}/v1/stream?api_key=[REDACTED]&lang=en`);
  });
});
