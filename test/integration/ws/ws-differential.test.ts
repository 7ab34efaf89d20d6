// A differential test of the promise "a session still behaves as a `ws` WebSocket": every scenario
// runs twice against the same real `ws` server on port 0, once with a plain `new WebSocket(url)`
// and once with a session (a policy under which nothing in the scenario is retried: the server
// ends with 1000 or the client closes), and records an event log for each (every event with its
// arguments and the readyState it was heard in, every method call with what it returned or threw
// and the readyState right after it). The session's log must equal ws's, modulo the differences
// docs/websocket.md admits, which are declared once below (DOCUMENTED_DIFFERENCES), each with the
// doc line it stands for.
import { afterEach, describe, expect, it } from '@jest/globals';
import { WebSocket } from 'ws';
import {
  createResilientWebSocket,
  ResilientWebSocket,
  type ResilientWebSocketOptions,
  WebSocketSessionError,
} from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer, type ServerSide } from './scripted-server.js';

/** What the harness does to either subject: the surface of ws a session offers. */
interface Subject {
  readonly readyState: number;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  binaryType: string;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
  onopen: unknown;
  onmessage: unknown;
  onclose: unknown;
  onerror: unknown;
  on(type: string, listener: (...args: unknown[]) => void): unknown;
  once(type: string, listener: (...args: unknown[]) => void): unknown;
  off(type: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(type: string, listener: (...args: unknown[]) => void): unknown;
  addEventListener(type: string, listener: unknown, options?: { once?: boolean }): void;
  removeEventListener(type: string, listener: unknown): void;
  send(data: unknown, options?: unknown, cb?: unknown): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(data?: unknown, mask?: unknown, cb?: unknown): void;
  pong(data?: unknown, mask?: unknown, cb?: unknown): void;
}

type Kind = 'ws' | 'session';

/** What one run logged: the client's events and calls, and what the server's side of it saw. */
interface Logs {
  client: string[];
  server: string[];
}

/** How long the harness waits for an event before logging that it never came (ws's run never gets near it). */
const NEVER_MS = 1500;

/**
 * The differences docs/websocket.md admits, each as a rewrite of ws's log into what the doc says a
 * session does instead. A scenario names the ones it meets; every other line must be equal.
 */
const DOCUMENTED_DIFFERENCES = {
  /**
   * docs/websocket.md, "Other differences from ws": "`close(code)` while connecting or waiting to
   * reconnect ends with your code (`ws` reports 1006 and an `error` for a socket closed before it
   * opened)"; terminate() while connecting ends with 1006 as ws's does, without that error.
   */
  noErrorForASocketClosedBeforeItOpened: (logs: Logs): Logs => ({
    ...logs,
    client: logs.client.filter((line) => !line.startsWith('event error(')),
  }),
  /**
   * docs/websocket.md, "Other differences from ws": "`close(code)` while connecting or waiting to
   * reconnect ends with your code (`ws` reports 1006 and an `error` for a socket closed before it
   * opened, and sends no code, so it checks none: a code an application may not send throws in
   * every state)".
   */
  closeWhileConnectingEndsWithYourCode: (logs: Logs): Logs => ({
    ...logs,
    client: logs.client
      .filter((line) => !line.startsWith('event error('))
      .map((line) =>
        line
          .replace(
            /^(call close\(999\) while connecting) returns undefined rs=2$/,
            '$1 throws TypeError rs=0',
          )
          .replace(/^event close\(1006, Buffer\(""\)\)/, 'event close(4000, Buffer("bye"))'),
      ),
  }),
  /**
   * docs/websocket.md, "Other differences from ws": "`readyState` stays `OPEN` ... while the
   * server's closing handshake is under way, where `ws` reads `CLOSING`".
   */
  openDuringTheServersClosingHandshake: (logs: Logs): Logs => ({
    ...logs,
    client: logs.client.map((line) =>
      line.startsWith('readyStates seen ') ? line.replace(/ → 2(?= → 3)/, '') : line,
    ),
  }),
  /**
   * docs/websocket.md, "Other differences from ws": "the `upgrade`, `redirect` and
   * `unexpected-response` events of each connection are not passed on".
   */
  noUpgradeEvent: (logs: Logs): Logs => ({
    ...logs,
    client: logs.client.filter((line) => !line.startsWith('event upgrade(')),
  }),
  /**
   * docs/websocket.md, "Guarantees and limits": "`send` takes text, numbers (sent as text) and
   * binary data (...); the other values `ws` turns into bytes (`undefined`, `null`, arrays of
   * numbers, objects with `valueOf`) are refused with a `TypeError`".
   */
  sendRefusesOtherValues: (logs: Logs): Logs => ({
    client: logs.client.map((line) =>
      /^call send\((|null)\) returns undefined/.test(line)
        ? line.replace(/returns undefined/, 'throws TypeError')
        : line,
    ),
    server: logs.server.filter((line) => line !== 'server message(Buffer(""), true)'),
  }),
  /**
   * docs/websocket.md, "Other differences from ws": "after `terminate()` no further message is
   * handed out (`ws` still hands out those it had already read)".
   */
  noMessageAfterTerminate: (logs: Logs): Logs => {
    const at = logs.client.findIndex((line) => line.startsWith('call terminate()'));
    return {
      ...logs,
      client: logs.client.filter((line, index) => index <= at || !line.startsWith('event message(')),
    };
  },
} satisfies Record<string, (logs: Logs) => Logs>;

type Difference = keyof typeof DOCUMENTED_DIFFERENCES;

/** A value as a log line shows it: its type and content. */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return `Buffer(${JSON.stringify(value.toString())})`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${JSON.stringify(Buffer.from(value).toString())})`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return `Blob(${value.size})`;
  if (value instanceof Error) return `${value.constructor.name}(${JSON.stringify(value.message)})`;
  if (typeof value === 'function') return 'function';
  return `object ${Object.prototype.toString.call(value)}`;
}

/** A DOM-style event as a log line shows it: the fields ws's event objects carry. */
function showEvent(event: Record<string, unknown>, target: Subject): string {
  const fields = ['type', 'data', 'code', 'reason', 'wasClean', 'error', 'message'].filter(
    (name) => name in event,
  );
  const shown = fields.map((name) => `${name}=${show(event[name])}`);
  return `${shown.join(' ')} target=${event.target === target ? 'self' : show(event.target)}`;
}

/** Records what one subject does: its events and the outcome of every call made through it. */
class Recorder {
  readonly log: string[] = [];
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(readonly socket: Subject) {
    // The session's own events: heard in no scenario, so any (a reconnect, a give-up) shows in the diff.
    for (const type of ['reconnecting', 'reconnected', 'giveup']) {
      socket.on(type, () => this.note(`event ${type} rs=${socket.readyState}`));
    }
  }

  /** Logs every Node-style event with its arguments and the readyState it was heard in. */
  listen(types: readonly string[] = ['open', 'message', 'close', 'error', 'ping', 'pong', 'upgrade']): void {
    for (const type of types) {
      this.socket.on(type, (...args: unknown[]) => {
        const shown = type === 'upgrade' ? ['response'] : args.map(show);
        this.note(`event ${type}(${shown.join(', ')}) rs=${this.socket.readyState}`);
        for (const wake of this.waiters.get(type)?.splice(0) ?? []) wake();
      });
    }
  }

  note(line: string): void {
    this.log.push(line);
  }

  /** Calls `fn` on the subject and logs what it returned or threw and the readyState after. */
  call(label: string, fn: (socket: Subject) => unknown): void {
    let outcome: string;
    try {
      outcome = `returns ${show(fn(this.socket))}`;
    } catch (error) {
      outcome = `throws ${error instanceof Error ? error.constructor.name : show(error)}`;
    }
    this.note(`call ${label} ${outcome} rs=${this.socket.readyState}`);
  }

  /** A callback that logs its arguments under `label`, then wakes waiters on `label`. */
  callback(label: string): (...args: unknown[]) => void {
    return (...args) => {
      this.note(`callback ${label}(${args.map(show).join(', ')}) rs=${this.socket.readyState}`);
      for (const wake of this.waiters.get(label)?.splice(0) ?? []) wake();
    };
  }

  /**
   * Resolves the next time `type` (an event listened to, or a callback label) is logged, or, when
   * it never comes, after a bound that only a difference reaches (logged, so that the diff shows it).
   */
  next(type: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.note(`never heard ${type}`);
        resolve();
      }, NEVER_MS);
      const list = this.waiters.get(type) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.waiters.set(type, list);
    });
  }
}

/** What one scenario does on the server: the same for both runs. */
type ServerScript = (side: ServerSide, log: (line: string) => void) => void;

interface Scenario {
  server: ServerScript;
  /** The server accepts permessage-deflate. */
  perMessageDeflate?: boolean;
  /**
   * A first message for the server: the session's `setup` option, and what the ws run sends from
   * its first `open` listener (where code written for ws sends it).
   */
  setup?: string;
  /** Session options besides the URL (protocols, for instance); ws gets the same as its own arguments. */
  protocols?: string[];
  /** Drives the subject; resolves when the scenario is over (after the close event). */
  client(recorder: Recorder): Promise<void>;
}

let server: ScriptedServer | undefined;
const sessions: ResilientWebSocket[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    session.removeAllListeners();
    session.terminate();
    await session.closed;
  }
  await server?.close();
  server = undefined;
});

/** The session options under which nothing in a scenario is retried. */
function sessionOptions(scenario: Scenario, url: string): ResilientWebSocketOptions {
  const { protocols, setup } = scenario;
  return {
    url,
    pacing: false,
    headers: { [RUN_HEADER]: 'session' },
    ...(protocols ? { protocols } : {}),
    ...(setup === undefined ? {} : { setup: () => setup }),
  };
}

/** The upgrade header that tells the server which run a connection is of. */
const RUN_HEADER = 'x-differential-run';

/** Runs `scenario` with a plain ws WebSocket, then with a session, against one server. */
async function runBoth(scenario: Scenario): Promise<Record<Kind, Logs>> {
  const serverLogs: Record<Kind, string[]> = { ws: [], session: [] };
  const connected = new Set<Kind>();
  server = await startScriptedServer({
    perMessageDeflate: scenario.perMessageDeflate === true,
    connected(side) {
      const kind = side.request.headers[RUN_HEADER] === 'session' ? 'session' : 'ws';
      connected.add(kind);
      const log = serverLogs[kind];
      side.socket.on('close', (code, reason) =>
        log.push(`server close(${code}, ${show(reason.toString())})`),
      );
      side.socket.on('ping', (data) => log.push(`server ping(${show(data)})`));
      side.socket.on('pong', (data) => log.push(`server pong(${show(data)})`));
      side.socket.on('message', (data, isBinary) =>
        log.push(`server message(${show(isBinary ? data : data.toString())}, ${isBinary})`),
      );
      scenario.server(side, (line) => log.push(line));
    },
  });
  const origin = server.origin;
  const logs = {} as Record<Kind, Logs>;
  for (const kind of ['ws', 'session'] as const) {
    let socket: Subject;
    if (kind === 'ws') {
      const plain = new WebSocket(origin, scenario.protocols, { headers: { [RUN_HEADER]: 'ws' } });
      const { setup } = scenario;
      if (setup !== undefined) plain.on('open', () => plain.send(setup));
      socket = plain as unknown as Subject;
    } else {
      const session = createResilientWebSocket('gradium', sessionOptions(scenario, origin))();
      sessions.push(session);
      socket = session as unknown as Subject;
    }
    const recorder = new Recorder(socket);
    await scenario.client(recorder);
    // The server's side of this run (if the run got that far) has seen the close by now or shortly after.
    const sideLog = serverLogs[kind];
    await waitFor(() => !connected.has(kind) || sideLog.some((line) => line.startsWith('server close(')));
    logs[kind] = { client: recorder.log, server: sideLog };
  }
  return logs;
}

/** Waits (a turn of the event loop at a time, bounded) until `done()` holds. */
async function waitFor(done: () => boolean): Promise<void> {
  for (let turns = 0; turns < 1000 && !done(); turns++) await new Promise((r) => setTimeout(r, 1));
}

/** Expects the session's logs to equal ws's, after the documented differences named. */
function expectSameAsWs(logs: Record<Kind, Logs>, differences: readonly Difference[] = []): void {
  if (process.env.DUMP_LOGS) console.log(JSON.stringify(logs, null, 1));
  let expected = logs.ws;
  // Every scenario opens a connection: ws's `upgrade` event is never passed on.
  for (const name of ['noUpgradeEvent', ...differences] as const)
    expected = DOCUMENTED_DIFFERENCES[name](expected);
  expect(logs.session).toEqual(expected);
}

/** The server says hello (text, then binary) and ends with 1000. */
const helloThenBye: ServerScript = (side) => {
  side.socket.send('hello');
  side.socket.send(Buffer.from('bin'));
  side.socket.close(1000, 'bye');
};

describe('differential: a session logs what a ws WebSocket logs', () => {
  it('server hello then 1000: Node-style events, arguments and readyState', async () => {
    const logs = await runBoth({
      server: helloThenBye,
      async client(r) {
        r.listen();
        r.note(`before open rs=${r.socket.readyState} url-set=${r.socket.url !== ''}`);
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('DOM-style events: addEventListener, on<event> properties, handleEvent objects, `this`', async () => {
    const logs = await runBoth({
      server: helloThenBye,
      async client(r) {
        const s = r.socket;
        for (const type of ['open', 'message', 'close', 'error']) {
          s.addEventListener(type, function (this: unknown, event: Record<string, unknown>) {
            r.note(`listener ${showEvent(event, s)} this=${this === s ? 'self' : show(this)}`);
          });
          const handler = {
            handleEvent(this: unknown, event: Record<string, unknown>) {
              r.note(`handleEvent ${String(event.type)} this=${this === handler ? 'handler' : show(this)}`);
            },
          };
          s.addEventListener(type, handler);
        }
        s.onmessage = function (this: unknown, event: Record<string, unknown>) {
          r.note(`onmessage ${showEvent(event, s)} this=${this === s ? 'self' : show(this)}`);
        };
        s.onclose = (event: Record<string, unknown>) => r.note(`onclose ${showEvent(event, s)}`);
        r.call('onmessage getter', (x) => typeof x.onmessage);
        r.call('onopen getter', (x) => x.onopen);
        const closed = new Promise<void>((resolve) => s.addEventListener('close', () => resolve()));
        await closed;
      },
    });
    expectSameAsWs(logs);
  });

  for (const binaryType of ['nodebuffer', 'arraybuffer', 'fragments', 'blob', 'bogus']) {
    it(`binaryType ${binaryType}: how binary and text messages are handed out`, async () => {
      const logs = await runBoth({
        server: helloThenBye,
        async client(r) {
          r.listen(['message', 'close']);
          r.call(`binaryType = ${binaryType}`, (s) => {
            s.binaryType = binaryType;
            return s.binaryType;
          });
          r.socket.addEventListener('message', (event: Record<string, unknown>) =>
            r.note(`listener ${showEvent(event, r.socket)}`),
          );
          await r.next('close');
        },
      });
      expectSameAsWs(logs);
    });
  }

  it('close() without a code: the close frame carries none (1005 on both ends)', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        await r.next('open');
        r.call('close()', (s) => s.close());
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('close(4000, reason), close again, then send/ping/pong after close with and without callbacks', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        await r.next('open');
        r.call('close(4000, "done")', (s) => s.close(4000, 'done'));
        r.call('close() again while closing', (s) => s.close());
        r.call('send("x") while closing', (s) => s.send('x'));
        r.call('send("x", cb) while closing', (s) => s.send('x', r.callback('send-closing')));
        await r.next('close');
        r.call('close() once closed', (s) => s.close());
        r.call('send("x") once closed', (s) => s.send('x'));
        r.call('send("x", {}, cb) once closed', (s) => s.send('x', {}, r.callback('send-closed')));
        r.call('ping(cb) once closed', (s) => s.ping(r.callback('ping-closed')));
        r.call('pong("p", cb) once closed', (s) => s.pong('p', r.callback('pong-closed')));
        r.call('ping() once closed', (s) => s.ping());
        r.call('terminate() once closed', (s) => s.terminate());
        await r.next('pong-closed');
      },
    });
    expectSameAsWs(logs);
  });

  it('close() with codes and reasons an application may not send throws, and the socket stays open', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        await r.next('open');
        for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000]) {
          r.call(`close(${code})`, (s) => s.close(code));
        }
        r.call('close(1000, 124 bytes)', (s) => s.close(1000, 'x'.repeat(124)));
        r.call('close(4999, 123 bytes)', (s) => s.close(4999, 'é'.repeat(61) + 'x'));
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('send: text, binary, numbers, views, with options and callbacks; echoed back', async () => {
    const logs = await runBoth({
      server: (side) => {
        let n = 0;
        side.socket.on('message', (data, isBinary) => {
          side.socket.send(data, { binary: isBinary });
          if (++n === 6) side.socket.close(1000);
        });
      },
      async client(r) {
        r.listen(['open', 'message', 'close']);
        await r.next('open');
        r.call('send("text")', (s) => s.send('text'));
        r.call('send(Buffer, cb)', (s) => s.send(Buffer.from('buf'), r.callback('sent-buffer')));
        r.call('send(Uint8Array)', (s) => s.send(new Uint8Array([104, 105])));
        r.call('send(ArrayBuffer)', (s) => s.send(new Uint8Array([111, 107]).buffer));
        r.call('send(Buffer, {binary: false})', (s) => s.send(Buffer.from('as text'), { binary: false }));
        r.call('send(42)', (s) => s.send(42));
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('bufferedAmount right after a large send, and once it is written', async () => {
    const logs = await runBoth({
      server: (side) => side.socket.on('message', () => side.socket.close(1000)),
      async client(r) {
        r.listen(['open', 'close']);
        await r.next('open');
        r.call('bufferedAmount before', (s) => s.bufferedAmount);
        const written = r.next('written');
        r.call('send(8 MiB, cb)', (s) => s.send(Buffer.alloc(8 * 1024 * 1024), r.callback('written')));
        r.call('bufferedAmount after send', (s) => s.bufferedAmount);
        await written;
        r.call('bufferedAmount once written', (s) => s.bufferedAmount);
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('ping/pong with and without data and callbacks; a server ping comes as a ping event', async () => {
    const logs = await runBoth({
      server: (side) => {
        // The client's unsolicited pong (after its pings): the server pings it in turn.
        side.socket.on('pong', () => side.socket.ping('from server'));
        side.socket.on('message', () => side.socket.close(1000));
      },
      async client(r) {
        r.listen();
        await r.next('open');
        r.call('ping()', (s) => s.ping());
        r.call('ping("abc", cb)', (s) => s.ping('abc', r.callback('ping-abc')));
        r.call('ping(cb)', (s) => s.ping(r.callback('ping-empty')));
        r.call('ping(7, true)', (s) => s.ping(7, true));
        r.call('pong("u")', (s) => s.pong('u'));
        r.call('ping(126 bytes)', (s) => s.ping('x'.repeat(126)));
        await r.next('ping');
        r.call('send("bye")', (s) => s.send('bye'));
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('ping/pong/send while CONNECTING', async () => {
    const logs = await runBoth({
      server: (side) => side.socket.close(1000),
      async client(r) {
        r.listen(['open', 'close']);
        r.call('ping() while connecting', (s) => s.ping());
        r.call('pong() while connecting', (s) => s.pong());
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('terminate() while CONNECTING: close 1006', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        r.call('terminate() while connecting', (s) => s.terminate());
        await r.next('close');
      },
    });
    expectSameAsWs(logs, ['noErrorForASocketClosedBeforeItOpened']);
  });

  it('close(999), then close(4000, reason), while CONNECTING', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        r.call('close(999) while connecting', (s) => s.close(999));
        r.call('close(4000, "bye") while connecting', (s) => s.close(4000, 'bye'));
        await r.next('close');
      },
    });
    expectSameAsWs(logs, ['closeWhileConnectingEndsWithYourCode']);
  });

  it('terminate() while open, then terminate() and close() again', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen();
        r.socket.addEventListener('close', (event: Record<string, unknown>) =>
          r.note(`listener ${showEvent(event, r.socket)}`),
        );
        await r.next('open');
        r.call('terminate()', (s) => s.terminate());
        r.call('terminate() again', (s) => s.terminate());
        r.call('close() after terminate', (s) => s.close());
        await r.next('close');
      },
    });
    // The server's side of a dropped socket: ws reports 1006 there too.
    expectSameAsWs(logs);
  });

  it('protocol, extensions and url, before open and once open', async () => {
    const logs = await runBoth({
      server: (side) => side.socket.close(1000),
      protocols: ['first', 'second'],
      async client(r) {
        r.listen(['open', 'close']);
        const read = (when: string): void =>
          r.call(`protocol/extensions/url ${when}`, (s) => `${s.protocol}|${s.extensions}|${s.url}`);
        read('before open');
        r.socket.on('open', () => read('at open'));
        await r.next('close');
        read('once closed');
      },
    });
    expectSameAsWs(logs);
  });

  it('once, removeListener, removeEventListener, addEventListener {once}, on<event> = null', async () => {
    const logs = await runBoth({
      server: (side) => {
        side.socket.send('one');
        side.socket.send('two');
        side.socket.send('three');
        side.socket.close(1000);
      },
      async client(r) {
        const s = r.socket;
        r.listen(['close']);
        s.once('message', (data: unknown) => r.note(`once ${show(String(data))}`));
        const removed = (): void => r.note('removed listener heard');
        s.on('message', removed);
        s.removeListener('message', removed);
        const dom = (): void => r.note('removed DOM listener heard');
        s.addEventListener('message', dom);
        s.removeEventListener('message', dom);
        s.addEventListener('message', (e: Record<string, unknown>) => r.note(`dom once ${show(e.data)}`), {
          once: true,
        });
        s.onmessage = () => r.note('cleared onmessage heard');
        s.onmessage = null;
        r.call('onmessage after null', (x) => x.onmessage);
        s.onmessage = 'not a function';
        r.call('onmessage after a string', (x) => x.onmessage);
        let count = 0;
        s.on('message', () => {
          if (++count === 2) s.off('message', dom);
        });
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('extensions with permessage-deflate, and a compressed message both ways', async () => {
    const logs = await runBoth({
      perMessageDeflate: true,
      server: (side) =>
        side.socket.on('message', (data) => side.socket.send(data, () => side.socket.close(1000))),
      async client(r) {
        r.listen(['open', 'message', 'close']);
        await r.next('open');
        r.call('extensions at open', (s) => s.extensions);
        r.call('send(compressible, {compress: true})', (s) => s.send('a'.repeat(2000), { compress: true }));
        await r.next('close');
        r.call('extensions once closed', (s) => s.extensions);
      },
    });
    expectSameAsWs(logs);
  });

  it('send(Blob) as ws sends it; send() and send(null)', async () => {
    const logs = await runBoth({
      server: (side) =>
        side.socket.on('message', (data, isBinary) => {
          if (!isBinary && data.toString() === 'end') side.socket.close(1000);
        }),
      async client(r) {
        r.listen(['open', 'close']);
        await r.next('open');
        r.call('send(Blob, cb)', (s) => s.send(new Blob(['blob text']), r.callback('sent-blob')));
        r.call('send()', (s) => s.send(undefined));
        r.call('send(null)', (s) => s.send(null));
        r.call('send("end")', (s) => s.send('end'));
        await r.next('close');
      },
    });
    expectSameAsWs(logs, ['sendRefusesOtherValues']);
  });

  it('close() from a message listener: the messages already received still come, then close', async () => {
    const logs = await runBoth({
      server: (side) => {
        side.socket.send('one');
        side.socket.send('two');
        side.socket.send('three');
      },
      async client(r) {
        r.listen();
        r.socket.once('message', () => r.call('close(4001) in message', (s) => s.close(4001)));
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('terminate() from a message listener: what else was received', async () => {
    const logs = await runBoth({
      server: (side) => {
        side.socket.send('one');
        side.socket.send('two');
        side.socket.send('three');
      },
      async client(r) {
        r.listen();
        r.socket.once('message', () => r.call('terminate() in message', (s) => s.terminate()));
        await r.next('close');
      },
    });
    expectSameAsWs(logs, ['noMessageAfterTerminate']);
  });

  it('a setup message (sent from open with ws), answered at once with a reply and 1000', async () => {
    const logs = await runBoth({
      setup: '{"type":"setup"}',
      server: (side) =>
        side.socket.once('message', () => {
          side.socket.send('{"type":"ready"}');
          side.socket.send('audio');
          side.socket.close(1000, 'done');
        }),
      async client(r) {
        r.listen();
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('a server that pings, talks and closes at once: ping after open, then the rest', async () => {
    const logs = await runBoth({
      server: (side) => {
        side.socket.ping('early');
        side.socket.send('hello');
        side.socket.close(1000);
      },
      async client(r) {
        r.listen();
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('the same DOM listener added twice is heard once; a handleEvent object with {once}', async () => {
    const logs = await runBoth({
      server: (side) => {
        side.socket.send('one');
        side.socket.send('two');
        side.socket.close(1000);
      },
      async client(r) {
        const s = r.socket;
        r.listen(['close']);
        const twice = (event: Record<string, unknown>): void => r.note(`twice ${show(event.data)}`);
        s.addEventListener('message', twice);
        s.addEventListener('message', twice);
        s.addEventListener(
          'message',
          { handleEvent: (e: Record<string, unknown>) => r.note(`object once ${show(e.data)}`) },
          { once: true },
        );
        s.removeEventListener('message', () => undefined);
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it("readyState from the server's close frame to the close event, read on every turn", async () => {
    const logs = await runBoth({
      server: (side) => side.socket.once('message', () => side.socket.close(1000, 'done')),
      async client(r) {
        r.listen(['open', 'close']);
        await r.next('open');
        let closed = false;
        r.socket.once('close', () => (closed = true));
        r.socket.send('close please');
        const seen = [r.socket.readyState];
        while (!closed) {
          await new Promise((resolve) => setImmediate(resolve));
          if (seen.at(-1) !== r.socket.readyState) seen.push(r.socket.readyState);
        }
        r.note(`readyStates seen ${seen.join(' → ')}`);
      },
    });
    expectSameAsWs(logs, ['openDuringTheServersClosingHandshake']);
  });

  for (const how of ['close(4002, "from open")', 'terminate()', 'send("in open")']) {
    it(`${how} from an open listener`, async () => {
      const logs = await runBoth({
        server: (side) =>
          side.socket.on('message', (data) => {
            side.socket.send(data.toString());
            side.socket.close(1000);
          }),
        async client(r) {
          r.listen();
          r.socket.once('open', () =>
            r.call(`${how} in open`, (s) =>
              how === 'terminate()'
                ? s.terminate()
                : how.startsWith('close')
                  ? s.close(4002, 'from open')
                  : s.send('in open'),
            ),
          );
          await r.next('close');
        },
      });
      expectSameAsWs(logs);
    });
  }

  it('a message in two fragments (fin: false, then fin: true)', async () => {
    const logs = await runBoth({
      server: (side) =>
        side.socket.on('message', (data) => {
          side.socket.send(data.toString());
          side.socket.close(1000);
        }),
      async client(r) {
        r.listen(['open', 'message', 'close']);
        await r.next('open');
        r.call('send("par", {fin: false})', (s) => s.send('par', { fin: false }));
        r.call('send("t", {fin: true}, cb)', (s) => s.send('t', { fin: true }, r.callback('sent')));
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
  });

  it('readyState through close(4003) by the client, read on every turn', async () => {
    const logs = await runBoth({
      server: () => undefined,
      async client(r) {
        r.listen(['open', 'close']);
        await r.next('open');
        let closed = false;
        r.socket.once('close', () => (closed = true));
        r.call('close(4003)', (s) => s.close(4003));
        const seen = [r.socket.readyState];
        while (!closed) {
          await new Promise((resolve) => setImmediate(resolve));
          if (seen.at(-1) !== r.socket.readyState) seen.push(r.socket.readyState);
        }
        r.note(`readyStates seen ${seen.join(' → ')}`);
      },
    });
    expectSameAsWs(logs);
  });

  it('readyState constants on the instance and the class', async () => {
    const logs = await runBoth({
      server: (side) => side.socket.close(1000),
      async client(r) {
        r.listen(['close']);
        r.call('instance constants', (s) => [s.CONNECTING, s.OPEN, s.CLOSING, s.CLOSED].join());
        await r.next('close');
      },
    });
    expectSameAsWs(logs);
    expect([ResilientWebSocket.CONNECTING, ResilientWebSocket.OPEN, ResilientWebSocket.CLOSING]).toEqual([
      WebSocket.CONNECTING,
      WebSocket.OPEN,
      WebSocket.CLOSING,
    ]);
    expect(ResilientWebSocket.CLOSED).toBe(WebSocket.CLOSED);
  });
});

describe("the setup callback, called within ws's open since the session's open comes there", () => {
  const failures: [string, () => unknown][] = [
    [
      'throws',
      () => {
        throw new Error('setup broke');
      },
    ],
    ['rejects', () => Promise.reject(new Error('setup broke'))],
    [
      'returns a thenable whose then throws',
      () => ({
        then() {
          throw new Error('setup broke');
        },
      }),
    ],
  ];
  for (const [how, setup] of failures) {
    it(`that ${how} ends the session with a WebSocketSessionError, no open, nothing thrown into ws`, async () => {
      server = await startScriptedServer({ connected: (side) => side.socket.send('hello') });
      const session = createResilientWebSocket('gradium', {
        url: server.origin,
        pacing: false,
        setup: setup as NonNullable<ResilientWebSocketOptions['setup']>,
      })();
      sessions.push(session);
      const heard: string[] = [];
      for (const type of ['open', 'message', 'error', 'giveup', 'close'] as const)
        session.on(type, () => heard.push(type));
      const end = await session.closed;
      expect(end.error).toBeInstanceOf(WebSocketSessionError);
      expect(end.error?.message).toBe('the setup callback failed: setup broke');
      expect(end.code).toBe(1006);
      expect(heard).toEqual(['error', 'giveup', 'close']);
      expect(server.sides).toHaveLength(1); // no reconnect
    });
  }
});
