/**
 * The resilient WebSocket session, one class as partysocket's is: the `ws`-like surface (send,
 * close, readyState, Node- and DOM-style events), the stages that bring each connection up
 * (URL and headers, socket, setup, ready message, held messages), the reconnect loop between
 * connections (one try per connection on lib/run's runner: the engine's decision about each end,
 * pacing, the wait on the session's clock), and the one way a session ends. Its events' payload types and the error it fails with for our own side's
 * failures are here too. One connection's socket and deadlines are `Connection`'s
 * (`connection.ts`); held messages are the `Outbox`'s (`outbox.ts`).
 */
import { isThenable } from '../../run/is-thenable.js';
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { RawData, WebSocket } from 'ws';
import type { Action, Decision } from '../../core/engine/types.js';
import { CallContext, type Observation, type ResilienceSetup } from '../../run/call-context.js';
import { cleanCause } from '../../run/clean-cause.js';
import { credentialsIn, redactText, redactUrl } from '../../run/redact.js';
import { runTries, type RunTriesOptions } from '../../run/runner.js';
import { untilAborted } from '../../run/until-aborted.js';
import type { AttemptCounters, TryResult } from '../../run/try-judge.js';
import { isVendorError } from '../../run/vendor-error.js';
import { Connection, observationForEnd, type ConnectionEnd, type ConnectionTarget } from './connection.js';
import type {
  ConnectionContext,
  OutgoingData,
  PerConnection,
  SessionSettings,
  SetupMessage,
  SendCallback,
  SendOptions,
} from './options.js';
import { Outbox } from './outbox.js';

/** A ping or pong callback as it is really called: with an error, or with none once the frame is written. */
type ControlFrameCallback = (error?: Error) => void;

/** Payload of the `reconnecting` event. */
export interface ReconnectingInfo {
  /** The attempt number that failed (as sent to the engine). */
  attempt: number;
  /** The engine's decision (`reconnect`, `retry` or `backoff`). */
  decision: Decision;
  /** How long the session waits before the next connection, in milliseconds (the decision's). */
  delayMs: number;
}

/** Payload of the `reconnected` event. */
export interface ReconnectedInfo {
  /** The connection number now live (2 for the first reconnect). */
  connection: number;
  /** Messages sent on it after the setup (buffered plus replayed). */
  flushedMessages: number;
}

/** Payload of the `giveup` event. */
export interface GiveUpInfo {
  /** The error the session ended with (a `VendorError` for any decision from the wire). */
  error: Error;
  /** The engine's final decision, when the end came from the wire. */
  decision: Decision | undefined;
  /** Connections opened in total. */
  connections: number;
}

/** How a session ended, as `closed` resolves it. */
export interface SessionCloseInfo {
  /** The close code the session ended with (1000 for a normal end). */
  code: number;
  /** The close reason text. */
  reason: string;
  /** Present when the session gave up. */
  error?: Error;
}

/** The session's events and their listener arguments (ws-style positional arguments). */
export interface ResilientWebSocketEventMap {
  open: [];
  message: [data: RawData, isBinary: boolean];
  /** A ping frame from the server (answered with a pong already, as ws does). */
  ping: [data: Buffer];
  /** A pong frame from the server (an answer to {@link ResilientWebSocket.ping}). */
  pong: [data: Buffer];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  reconnecting: [info: ReconnectingInfo];
  reconnected: [info: ReconnectedInfo];
  giveup: [info: GiveUpInfo];
}

/** The event object `addEventListener` listeners receive, as `ws` builds them (plus the session's own events). */
export interface SessionEvent {
  type: keyof ResilientWebSocketEventMap;
  target: unknown;
  /** `message`: text as a string, binary as `ws` delivers it. */
  data?: RawData | string;
  isBinary?: boolean;
  /** `close`. */
  code?: number;
  reason?: string;
  wasClean?: boolean;
  /** `error`. */
  error?: Error;
  message?: string;
  /** `reconnecting`, `reconnected`, `giveup`: the same payload the `on` listeners get. */
  detail?: unknown;
}

/** A DOM-style listener: a function or an object with `handleEvent`. */
export type SessionEventListener =
  ((event: SessionEvent) => void) | { handleEvent(event: SessionEvent): void };

/** What a session is built from (the factory resolves it once for all its sessions). */
export interface SessionInit {
  /** The engine, policy, pacing, time source, named secrets and `onDecision` (lib/run's setup). */
  setup: ResilienceSetup;
  settings: SessionSettings;
  signals: readonly AbortSignal[];
}

/**
 * A session ended by something other than the vendor: a URL, header, setup or isReady callback
 * threw, or `ws` refused the URL. The message and cause are redacted; the vendor's own failures
 * are `VendorError`s instead.
 */
export class WebSocketSessionError extends Error {
  override readonly name = 'WebSocketSessionError';
  /** Stable code for programmatic checks. */
  readonly code = 'ERR_WS_SESSION';

  constructor(what: string, cause: unknown, secrets: readonly string[]) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(redactText(`${what}: ${detail}`, secrets));
    if (cause instanceof Error) {
      const clean = cleanCause(cause, secrets);
      Object.defineProperty(this, 'cause', { value: clean, enumerable: false, configurable: true });
    }
    if (this.stack) this.stack = redactText(this.stack, secrets);
  }
}

/**
 * Something on our side ended the session (a callback, the engine, pacing): carried out of the
 * runner as it is, then reported as a {@link WebSocketSessionError} saying `what` failed.
 */
class SessionFailure extends Error {
  override readonly name = 'SessionFailure';
  constructor(
    readonly what: string,
    readonly failure: unknown,
  ) {
    super(what);
  }
}

/** Where a session stands; `waiting` is the pause before a reconnect. */
type SessionState = 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';

/** A session state as a `ws` readyState: waiting to reconnect reads as CONNECTING. */
const READY_STATE: Readonly<Record<SessionState, 0 | 1 | 2 | 3>> = {
  connecting: 0,
  waiting: 0,
  open: 1,
  closing: 2,
  closed: 3,
};

/** ws's names of the ready states, as its errors quote them. */
const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** The `binaryType`s ws knows (`blob` where the runtime has Blob), as its setter checks them. */
const BINARY_TYPES: ReadonlySet<string> = new Set([
  'nodebuffer',
  'arraybuffer',
  'fragments',
  ...(typeof Blob === 'undefined' ? [] : ['blob']),
]);

/** Decisions that mean "open a new connection after the decided wait" on a WebSocket. */
const RECONNECTING_ACTIONS: ReadonlySet<Action> = new Set(['reconnect', 'retry', 'backoff']);

/** The decision that ends a session cleanly (the vendor closed it normally). */
const ACCEPT_ACTIONS: ReadonlySet<Action> = new Set(['ok']);

/** What a refused reconnect wait names as its limit ({@link ResilientWebSocketOptions.deadlineMs}). */
const DEADLINE_NAME = "the session's deadline for a stable connection (deadlineMs)";

/** What one connection (one try of the runner) ended with. */
interface SessionTry {
  end: ConnectionEnd;
  /** It stayed up `stableAfterMs` after it was set up. */
  stable: boolean;
}

type EventName = keyof ResilientWebSocketEventMap;
type Wrapper = (...args: unknown[]) => void;

/**
 * A WebSocket session that survives what the vendor's policy says can be survived: it looks like a
 * `ws` WebSocket (send, close, events, readyState) but reconnects, replays the setup and flushes
 * held messages as the engine decides. `open` fires once, `close` once, at the very end.
 */
export class ResilientWebSocket extends EventEmitter<ResilientWebSocketEventMap> {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  /** Resolves once, when the session has ended; never rejects. */
  readonly closed: Promise<SessionCloseInfo>;
  /** The error the session gave up with, if it did. */
  lastError: Error | undefined;

  /** Where the session stands; checked after each await, as close() may have run meanwhile. */
  private state: SessionState = 'connecting';
  /** The current connection, if any (none while waiting to reconnect or once ended). */
  private live: Connection | undefined;
  /** `open` fires once per session; every later activation is a `reconnected`. */
  private everOpened = false;
  /** The current connection's URL, credentials redacted. */
  private currentUrl = '';
  /** What the last connection that opened negotiated: ws's socket still reads it once closed. */
  private lastNegotiated = { protocol: '', extensions: '' };
  /** Kept on the session so that every new connection gets the caller's choice. */
  private binaryTypeValue: WebSocket['binaryType'];
  /** Aborted when the session stops waiting for anything: frees a pacing slot, ends an attempt. */
  private readonly lifetime = new AbortController();
  /** Messages held for (or, with `replay`, kept for) the next connection. */
  private readonly outbox: Outbox;
  /**
   * The session as one call of lib/run's runner: its pacer, its decisions (and `onDecision`), its
   * waits, and every credential seen (a bounded tail: tokens are minted per connection), so that
   * no error the session reports can leak one.
   */
  private readonly context: CallContext;
  /** Detaches the caller's abort signals once the session has ended. */
  private readonly detachAbort: (() => void)[] = [];
  private resolveClosed: (info: SessionCloseInfo) => void = () => undefined;
  /** DOM-style listeners added with addEventListener, each with the Node-style wrapper registered for it. */
  private readonly domListeners = new Map<EventName, Map<SessionEventListener, Wrapper>>();
  /**
   * The `on<event>` handlers, one per type, each with its own wrapper: as in ws, a handler property
   * is a listener apart from those of addEventListener (setting one never removes the other).
   */
  private readonly handlerProperties = new Map<
    EventName,
    { handler: (event: SessionEvent) => void; wrapper: Wrapper }
  >();

  /** Starts the first connection at once, unless a given abort signal has already fired. */
  constructor(private readonly init: SessionInit) {
    super();
    const s = init.settings;
    this.binaryTypeValue = s.binaryType;
    // A fixed URL is the session's from the start, as a ws WebSocket's is (one minted per connection is known once minted).
    if (typeof s.url !== 'function') this.currentUrl = redactUrl(s.url);
    this.outbox = new Outbox({ maxMessages: s.maxBufferedMessages, maxBytes: s.maxBufferedBytes }, s.replay);
    const decideSignal = init.setup.decideSignal;
    // A signal the engine cannot read ends the session rather than being guessed at.
    const setup: ResilienceSetup = {
      ...init.setup,
      decideSignal: (signal) => {
        try {
          return decideSignal(signal);
        } catch (error) {
          throw new SessionFailure('the engine could not read what the server sent', error);
        }
      },
    };
    this.context = new CallContext(setup, { signal: this.lifetime.signal, maxFoundSecrets: 64 });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const onAbort = (): void => this.close(1000, 'aborted');
    if (init.signals.some((signal) => signal.aborted)) {
      // Let the caller attach listeners before the session reports its end.
      process.nextTick(onAbort);
      return;
    }
    for (const signal of init.signals) {
      signal.addEventListener('abort', onAbort, { once: true });
      this.detachAbort.push(() => signal.removeEventListener('abort', onAbort));
    }
    void this.run();
  }

  // ── The ws-like surface ──────────────────────────────────────────────────────────────────────

  /**
   * What `util.inspect` and `JSON.stringify` show: the inner state holds the unredacted URL and
   * credential headers, so a logged session shows only this credential-free summary.
   */
  toJSON(): { url: string; readyState: number; connections: number } {
    return { url: this.url, readyState: this.readyState, connections: this.connections };
  }

  [inspect.custom](): string {
    return `ResilientWebSocket ${inspect(this.toJSON())}`;
  }

  /** 0 connecting or waiting to reconnect, 1 open, 2 closing, 3 closed. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.state];
  }

  /** The current connection's URL, credentials redacted. */
  get url(): string {
    return this.currentUrl;
  }

  /** The subprotocol of the current connection (of the last one once it has ended, as ws keeps it). */
  get protocol(): string {
    return this.live?.protocol ?? this.lastNegotiated.protocol;
  }

  /** The extensions of the current connection (of the last one once it has ended, as ws keeps them). */
  get extensions(): string {
    return this.live?.extensions ?? this.lastNegotiated.extensions;
  }

  /** Bytes waiting: those held for a later connection plus those queued in the current socket. */
  get bufferedAmount(): number {
    // With replay the outbox also keeps messages already sent; those are not waiting.
    return this.outbox.waitingByteLength + (this.live?.bufferedAmount ?? 0);
  }

  /** Connections opened so far (1 + reconnects). */
  get connectionCount(): number {
    return this.connections;
  }

  /** How binary messages are delivered (`nodebuffer`, `arraybuffer` or `fragments`), on every connection. */
  get binaryType(): WebSocket['binaryType'] {
    return this.binaryTypeValue;
  }
  set binaryType(type: WebSocket['binaryType']) {
    // As ws's setter does, a type it does not know is ignored (it would not reach the socket).
    if (!BINARY_TYPES.has(type)) return;
    this.binaryTypeValue = type;
    if (this.live) this.live.binaryType = type;
  }

  /**
   * Sends now when a connection is ready; otherwise holds the message for the next one (after its
   * setup). Throws `OutboxFullError` past the bound. As ws's `send(data, options?, cb?)`: `options`
   * go to the socket that sends it, and `cb` is called once it is written (by the first connection,
   * with replay), or with the error that kept it from being sent (the session ended while it was
   * held, or was closing or closed already: then, as ws, the message is dropped and `cb`, on the
   * next tick, is the only one told).
   */
  send(data: OutgoingData | number, options?: SendOptions | SendCallback, sent?: SendCallback): void {
    if (typeof options === 'function') [sent, options] = [options, undefined];
    // As ws does: a number goes out as its text.
    if (typeof data === 'number') data = data.toString();
    if (this.state === 'closing' || this.state === 'closed') {
      if (sent) process.nextTick(sent, this.notOpenError());
      return;
    }
    if (!isOutgoingData(data))
      throw new TypeError('send: data must be a string, a number, a Buffer, a binary view or a Blob');
    const live = this.live;
    if (this.state === 'open' && live?.acceptsLiveSends) {
      // With replay the message is kept for later connections too; holding it first means a full
      // outbox refuses it before it reaches the wire.
      if (this.outbox.replay) this.outbox.hold(data, options);
      live.send(data, options, sent);
      this.outbox.markDelivered();
      return;
    }
    this.outbox.hold(data, options, sent);
  }

  /**
   * Sends a ping frame on the current connection, as ws's `ping(data?, mask?, cb?)` does: throws
   * while the session is CONNECTING (connecting or waiting to reconnect), as ws throws before its
   * socket is open; once closing or closed, `cb` gets the error instead. The server's `pong`
   * comes as a `pong` event. `cb` is typed as ws types it (code written for ws passes its callbacks
   * unchanged); as with ws, it is called without an error once the frame is written.
   */
  ping(data?: unknown, mask?: boolean, cb?: (error: Error) => void): void {
    this.controlFrame('ping', data, mask, cb as ControlFrameCallback | undefined);
  }

  /** Sends a pong frame, as ws's `pong(data?, mask?, cb?)` does (see {@link ping}). */
  pong(data?: unknown, mask?: boolean, cb?: (error: Error) => void): void {
    this.controlFrame('pong', data, mask, cb as ControlFrameCallback | undefined);
  }

  private controlFrame(
    kind: 'ping' | 'pong',
    data: unknown,
    mask: boolean | ControlFrameCallback | undefined,
    cb: ControlFrameCallback | undefined,
  ): void {
    // ws's argument shuffling: ping(cb) and ping(data, cb).
    if (typeof data === 'function') [cb, data, mask] = [data as ControlFrameCallback, undefined, undefined];
    else if (typeof mask === 'function') [cb, mask] = [mask, undefined];
    const live = this.live;
    if (this.state === 'open' && live?.writable) {
      live.control(kind, data, mask, cb);
      return;
    }
    const error = this.notOpenError();
    if (this.readyState === 0) throw error;
    if (cb) process.nextTick(cb, error);
  }

  /** ws's error for a frame the socket cannot send in its state. */
  private notOpenError(): Error {
    const state = this.readyState;
    return new Error(`WebSocket is not open: readyState ${state} (${READY_STATE_NAMES[state]})`);
  }

  /** With `replay`: stop replaying the messages sent so far (the vendor has consumed them). */
  clearReplay(): void {
    this.outbox.dropDelivered();
  }

  /**
   * Ends the session: no further reconnect, timer or socket. An open connection gets the closing
   * handshake (bounded by `closeTimeoutMs`); `close` fires when it is done. Without a code, as
   * with ws, the close frame carries none (both ends report 1005) and the reason is not sent; a
   * session not connected then ends with 1000.
   */
  close(code?: number, reason = ''): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (code !== undefined) assertSendableClose(code, reason);
    const live = this.live;
    this.state = 'closing';
    this.stopWaiting();
    if (live?.writable) {
      live.close(code, reason, this.init.settings.closeTimeoutMs);
      return;
    }
    this.endAfterThisTick(code ?? 1000, Buffer.from(code === undefined ? '' : reason));
  }

  /**
   * Ends the session at once, as ws's `terminate()`: no closing handshake (one under way is cut
   * short), no further reconnect; `close` (1006) follows after it returns.
   */
  terminate(): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.stopWaiting();
    this.endAfterThisTick(1006, Buffer.alloc(0));
  }

  // ── DOM-style events (`addEventListener`, `on<event>`), as `ws` and browsers offer them ──────

  /** Adds a DOM-style listener (added once per type and listener, as in `ws`). */
  addEventListener(type: EventName, listener: SessionEventListener, options: { once?: boolean } = {}): void {
    const byListener = this.domListeners.get(type) ?? new Map<SessionEventListener, Wrapper>();
    // Still registered (not removed meanwhile by `off` or `removeAllListeners`): added once only.
    const existing = byListener.get(listener);
    if (existing && this.isListening(type, existing)) return;
    const wrapper = this.wrapDomListener(type, listener, () => {
      if (options.once) this.removeEventListener(type, listener);
    });
    byListener.set(listener, wrapper);
    this.domListeners.set(type, byListener);
    (this as EventEmitter).on(type, wrapper);
  }

  /** Removes a listener added with {@link ResilientWebSocket.addEventListener}. */
  removeEventListener(type: EventName, listener: SessionEventListener): void {
    const byListener = this.domListeners.get(type);
    const wrapper = byListener?.get(listener);
    if (!byListener || !wrapper) return;
    byListener.delete(listener);
    (this as EventEmitter).off(type, wrapper);
  }

  get onopen(): ((event: SessionEvent) => void) | null {
    return this.handlerProperty('open');
  }
  set onopen(handler: ((event: SessionEvent) => void) | null) {
    this.setHandlerProperty('open', handler);
  }
  get onmessage(): ((event: SessionEvent) => void) | null {
    return this.handlerProperty('message');
  }
  set onmessage(handler: ((event: SessionEvent) => void) | null) {
    this.setHandlerProperty('message', handler);
  }
  get onclose(): ((event: SessionEvent) => void) | null {
    return this.handlerProperty('close');
  }
  set onclose(handler: ((event: SessionEvent) => void) | null) {
    this.setHandlerProperty('close', handler);
  }
  get onerror(): ((event: SessionEvent) => void) | null {
    return this.handlerProperty('error');
  }
  set onerror(handler: ((event: SessionEvent) => void) | null) {
    this.setHandlerProperty('error', handler);
  }

  /** `onopen` and friends: one listener per type, replaced on assignment. */
  private setHandlerProperty(type: EventName, handler: ((event: SessionEvent) => void) | null): void {
    const previous = this.handlerProperties.get(type);
    this.handlerProperties.delete(type);
    if (previous) (this as EventEmitter).off(type, previous.wrapper);
    if (typeof handler === 'function') {
      const wrapper = this.wrapDomListener(type, handler);
      this.handlerProperties.set(type, { handler, wrapper });
      (this as EventEmitter).on(type, wrapper);
    }
  }

  /** The current `on<type>` handler, or null (also once `removeAllListeners` removed it, as in ws). */
  private handlerProperty(type: EventName): ((event: SessionEvent) => void) | null {
    const property = this.handlerProperties.get(type);
    return property && this.isListening(type, property.wrapper) ? property.handler : null;
  }

  /** The Node-style listener that hands a DOM-style listener its event object (after `before`). */
  private wrapDomListener(type: EventName, listener: SessionEventListener, before?: () => void): Wrapper {
    return (...args) => {
      before?.();
      const event = toEvent(type, this, args);
      if (typeof listener === 'function') listener.call(this, event);
      else listener.handleEvent(event);
    };
  }

  /** True while `wrapper` is registered for `type`. */
  private isListening(type: EventName, wrapper: Wrapper): boolean {
    return (this as EventEmitter).listeners(type).includes(wrapper);
  }

  // ── The stages of one connection: target, socket, setup, ready, held messages, messages ──────
  // What comes after a connection's end is the reconnect loop's business (connectionTry), as is
  // reporting a connection that is up to pacing (recordConnected).

  /** Calls the URL and header callbacks for one connection; a failure ends the session. */
  private async prepareTarget(context: ConnectionContext): Promise<ConnectionTarget> {
    try {
      const settings = this.init.settings;
      // Single-use tokens are minted here, once per connection.
      const url = new URL(String(await resolvePerConnection(settings.url, context)));
      const headers =
        settings.headers === undefined ? undefined : await resolvePerConnection(settings.headers, context);
      // Minted URLs and headers may carry fresh tokens: no later error may reveal them.
      this.context.addSecrets(credentialsIn(url, headers));
      return { url, headers };
    } catch (error) {
      throw new SessionFailure(`could not prepare connection ${context.connection}`, error);
    }
  }

  /**
   * Opens one connection (minting its URL and headers unless `prepared`). Resolves once the
   * connection is open, has ended, or the session has closed (which disposes it silently), with
   * its end to come (`undefined` when the session closed first). Pacing holds its slot until then,
   * so it must resolve on each of those, and only then.
   */
  private async openConnection(
    context: ConnectionContext,
    prepared: ConnectionTarget | undefined,
  ): Promise<{ end: Promise<ConnectionEnd | undefined> }> {
    const target = prepared ?? (await this.prepareTarget(context));
    this.context.throwIfAborted();
    this.currentUrl = redactUrl(target.url);
    const lifetime = this.lifetime.signal;
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const end = new Promise<ConnectionEnd | undefined>((ended) => {
      const closed = (): void => {
        opened();
        ended(undefined);
      };
      lifetime.addEventListener('abort', closed, { once: true });
      const done = (value: ConnectionEnd): void => {
        lifetime.removeEventListener('abort', closed);
        opened();
        ended(value);
      };
      try {
        const live: Connection = new Connection(context, target, this.init.settings, this.binaryTypeValue, {
          // ws reports nothing synchronously, so `live` is assigned before any of these run.
          open: () => {
            opened();
            this.lastNegotiated = { protocol: live.protocol, extensions: live.extensions };
            this.onOpen(live);
          },
          message: (data, isBinary) => this.onMessage(live, data, isBinary),
          control: (kind, data) => {
            if (this.live === live) this.emit(kind, data);
          },
          end: (value) => {
            if (this.live === live) this.live = undefined;
            // The caller closed the session: this end is its last; no decision is asked about it.
            if (this.state === 'closing' || this.state === 'closed')
              this.finish(value.code, value.reason, undefined);
            done(value);
          },
        });
        this.live = live;
      } catch (error) {
        lifetime.removeEventListener('abort', closed);
        throw new SessionFailure(`could not open connection ${context.connection}`, error);
      }
    });
    await Promise.race([open, end]);
    return { end };
  }

  /**
   * The socket is open: send the setup, then activate if nothing more is awaited. Without a setup
   * callback, or with one that returns its message at once, this happens within ws's own `open`,
   * as ws emits it: awaiting would let a server's first frames (even its close) be read first, and
   * a server that says everything and closes at once would leave no `open` and no message.
   */
  private onOpen(live: Connection): void {
    let setup: SetupMessage | undefined | PromiseLike<SetupMessage | undefined>;
    try {
      setup = this.init.settings.setup?.(live.context);
    } catch (error) {
      this.setupFailed(live, error);
      return;
    }
    if (!isThenable(setup)) {
      this.sendSetup(live, setup);
      return;
    }
    // Through a promise: a thenable whose `then` throws is a failed setup too, not an exception in ws's `open`.
    Promise.resolve(setup).then(
      (message) => this.sendSetup(live, message),
      (error: unknown) => this.setupFailed(live, error),
    );
  }

  private setupFailed(live: Connection, error: unknown): void {
    if (this.live === live && this.state === 'connecting') this.failWith('the setup callback failed', error);
  }

  /** Sends the connection's setup message (if any), then activates if nothing more is awaited. */
  private sendSetup(live: Connection, setup: SetupMessage | undefined): void {
    // The setup callback may be slow: the connection may have ended or the session closed meanwhile.
    if (this.live !== live || this.state !== 'connecting' || !live.writable) return;
    // The vendor needs the setup before anything else on every connection (Gradium closes otherwise).
    if (setup !== undefined) live.send(setupToData(setup));
    live.setupSent = true;
    this.activateWhenReady(live);
  }

  /** Once setup is out (and the ready message in, when required): flush held messages and go open. */
  private activateWhenReady(live: Connection): void {
    if (this.state !== 'connecting' || !live.canActivate(this.init.settings.isReady !== undefined)) return;
    live.markActive(this.init.settings.time.now());
    this.activatedAtMs = live.activatedAtMs;
    const held = this.outbox.takeForConnection();
    for (const item of held) live.send(item.data, item.options, item.sent);
    this.state = 'open';
    this.recordConnected();
    if (!this.everOpened) {
      this.everOpened = true;
      this.emit('open');
    } else {
      this.emit('reconnected', { connection: live.context.connection, flushedMessages: held.length });
    }
    // What the server sent while the connection was being set up comes after `open`, as with ws.
    for (const { data, isBinary } of live.takeEarly()) {
      if (this.live !== live) return; // a listener closed the session, or the connection ended
      this.emit('message', data, isBinary);
    }
  }

  /** Every text message goes to the engine first: vendors report errors in-band before closing. */
  private onMessage(live: Connection, data: RawData, isBinary: boolean): void {
    const text = isBinary ? undefined : textOf(data);
    if (text !== undefined && this.state !== 'closing') {
      const decision = this.decide({ transport: 'ws', message: text });
      if (decision === undefined) return;
      if (decision.action !== 'ok') {
        // An error report: this connection is finished; act once the server closes it.
        live.reportError(text, this.init.settings.closeAfterErrorMs);
        return;
      }
    }
    const isReady = this.init.settings.isReady;
    if (isReady && !live.readySeen) {
      let ready: boolean;
      try {
        ready = isReady(text ?? data, isBinary);
      } catch (error) {
        // As for the other callbacks: the session ends with the error, nothing escapes into ws
        // (unless the caller is already closing it: that end is theirs).
        if (this.state === 'closing') return;
        this.failWith('the isReady callback failed', error);
        return;
      }
      if (ready) {
        live.readySeen = true;
        this.activateWhenReady(live);
      }
    }
    // ws hands out no message before `open`: one that comes while the connection is being set up
    // (a greeting during an async setup callback, messages before the ready one) waits for it.
    const { maxBufferedMessages, maxBufferedBytes } = this.init.settings;
    if (this.state === 'connecting' && live.holdEarly(data, isBinary, maxBufferedMessages, maxBufferedBytes))
      return;
    // Past the bound (or no longer connecting), what was held goes first, in order.
    for (const early of live.takeEarly()) this.emit('message', early.data, early.isBinary);
    this.emit('message', data, isBinary);
  }

  // ══ The reconnect loop ═════════════════════════════════════════════════════════════════════════
  // Everything between connections, and nothing else, on lib/run's transport-neutral runner (the
  // one the HTTP adapter's jobs and message streams use): each connection is one try (through the
  // session's pacer when connections are paced, holding its turn only until the connection is
  // open); the runner asks the engine about how it ended (seen by the pacer, reported to
  // `onDecision`), and reconnects after the decided wait, ends cleanly, or throws the error the
  // session gives up with. Its state is the fields declared just below; the rest of the class
  // enters it through run() (from the constructor) and recordConnected() (a connection is up).

  /** Connections started so far, the reconnects included (the runner's try number). */
  private connections = 0;
  /** The attempt number the engine sees; restarts at 1 after a connection that stayed stable. */
  private attempt = 0;
  /** The engine's attempt counters: failures restart at 0 after a connection that stayed stable. */
  private readonly counters: AttemptCounters = { failures: 0, polls: 0 };
  /** How the last connection ended: a give-up keeps its close code and reason. */
  private lastEnd: ConnectionEnd | undefined;
  /** When the current connection was set up: its stability is measured from then. */
  private activatedAtMs: number | undefined;

  /** Runs the session's connections until it ends; never rejects. */
  private async run(): Promise<void> {
    const { deadlineMs } = this.init.settings;
    const time = this.init.settings.time;
    const options: RunTriesOptions<SessionTry> = {
      context: this.context,
      phase: 'submit',
      accept: ACCEPT_ACTIONS,
      resend: RECONNECTING_ACTIONS,
      // The session's deadline: a run of reconnects without a stable connection (moved by each one).
      ...(deadlineMs === undefined ? {} : { endAtMs: time.now() + deadlineMs, endName: DEADLINE_NAME }),
      counters: this.counters,
      paced: false,
      sendTry: (tryNumber) => this.connectionTry(tryNumber, options),
      // A connection that stayed healthy long enough (stableAfterMs) ended: reconnecting starts a
      // new run rather than retrying a failed attempt, so it takes no retry token (others still do).
      charge: (result) => !result.value.stable,
      onResend: (decision) => {
        this.emit('reconnecting', { attempt: this.attempt, decision, delayMs: decision.delayMs });
      },
    };
    try {
      const { result } = await runTries(options);
      // The caller closed the session while the end was being judged: it ends the way close() says.
      if (this.state === 'closing' || this.state === 'closed') return;
      this.finish(result.value.end.code, result.value.end.reason, undefined);
    } catch (error) {
      // The caller closed the session meanwhile: it ends (or has ended) the way close() says.
      if (this.state === 'closing' || this.state === 'closed') return;
      if (isVendorError(error)) {
        const end = this.lastEnd;
        this.giveUp(error, error.decision, end?.code ?? 1006, end?.reason ?? Buffer.alloc(0));
      } else if (error instanceof SessionFailure) {
        this.failWith(error.what, error.failure);
      } else {
        this.failWith('the reconnect loop failed', error);
      }
    } finally {
      this.context.end();
    }
  }

  /**
   * One try of the runner: starts the next connection (the first from run(), the others after
   * the decided wait), holds the pacer's turn until it is open, then waits for its end and
   * reports it as what the engine is asked about.
   */
  private async connectionTry(
    tryNumber: number,
    options: RunTriesOptions<SessionTry>,
  ): Promise<TryResult<SessionTry>> {
    this.connections = tryNumber;
    this.attempt = this.counters.failures + 1;
    this.state = 'connecting';
    this.lastEnd = undefined;
    this.activatedAtMs = undefined;
    const connection: ConnectionContext = {
      connection: tryNumber,
      attempt: this.attempt,
      reconnect: tryNumber > 1,
      signal: this.lifetime.signal,
    };
    const settings = this.init.settings;
    let prepared: ConnectionTarget | undefined;
    if (tryNumber === 1 && this.init.setup.options.pacing !== false) {
      // Vendors limit per API key: the first connection's credential picks the session's pacer.
      prepared = await this.prepareTarget(connection);
      this.context.throwIfAborted();
      this.context.choosePacerBy(settings.pacingKey ?? sessionCredential(prepared, settings.secrets));
      try {
        void this.context.pacer;
      } catch (error) {
        throw new SessionFailure('pacing could not provide a pacer for this session', error);
      }
    }
    // The attempt holds its turn until the connection is open or has failed, not for the
    // session's life; a closed vendor gate holds it back, and close() (the lifetime signal) frees it.
    let started: { end: Promise<ConnectionEnd | undefined> };
    try {
      started = await this.context.paced(() => this.openConnection(connection, prepared));
    } catch (error) {
      if (error instanceof SessionFailure || isVendorError(error) || this.lifetime.signal.aborted)
        throw error;
      throw new SessionFailure(`pacing did not let connection ${tryNumber} start`, error);
    }
    const end = await started.end;
    // close() may have run meanwhile.
    const state = this.state as SessionState;
    if (end === undefined || state === 'closing' || state === 'closed') {
      // The session was closed: the runner stops on its signal.
      this.context.throwIfAborted();
      throw new Error('the session was closed');
    }
    this.state = 'waiting';
    this.lastEnd = end;
    const activatedAtMs = this.activatedAtMs;
    const stable =
      activatedAtMs !== undefined && settings.time.now() - activatedAtMs >= settings.stableAfterMs;
    this.activatedAtMs = undefined;
    if (stable) {
      // A connection that stayed healthy long enough starts a fresh run of attempts, and of the deadline.
      this.counters.failures = 0;
      this.attempt = 1;
      if (settings.deadlineMs !== undefined) options.endAtMs = settings.time.now() + settings.deadlineMs;
    }
    // The observation covers the server's error message too (the engine prefers the message's
    // code), so a failure is recorded with the pacer once, not once for the message and again for the close.
    return {
      observation: observationForEnd(end),
      value: { end, stable },
      ...(end.error === undefined ? {} : { cause: end.error }),
    };
  }

  /** One success per connection set up (not per message) refills the vendor's retry budget. */
  private recordConnected(): void {
    void this.context.recorded(connectedDecision(this.context.vendor)).catch(() => undefined);
  }

  // ══ End of the reconnect loop ══════════════════════════════════════════════════════════════════

  // ── Asking the engine, and the single way a session ends ─────────────────────────────────────
  // Every part can end the session (a failed callback, an engine that cannot read a signal, a
  // refusal by pacing, the caller's close) and each must leave the same nothing behind and report
  // the end exactly once.

  /** Asks the engine about a message; a message it cannot read ends the session rather than being guessed at. */
  private decide(observation: Observation): Decision | undefined {
    try {
      return this.context.decide(observation, 'submit', this.attempt);
    } catch (error) {
      const failure = error instanceof SessionFailure ? error : undefined;
      this.failWith(
        failure?.what ?? 'the engine could not read what the server sent',
        failure?.failure ?? error,
      );
      return undefined;
    }
  }

  /** Ends the session for something that went wrong on our side (a callback, the engine, pacing). */
  private failWith(what: string, cause: unknown): void {
    const error = new WebSocketSessionError(what, cause, this.context.secrets);
    this.giveUp(error, undefined, 1006, Buffer.alloc(0));
  }

  /** Ends the session with an error: `error` (if heard), `giveup`, then `close`. */
  private giveUp(error: Error, decision: Decision | undefined, code: number, reason: Buffer): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.teardown();
    const closeReason = this.settleClosed(code, reason, error);
    // Unlike ws, an unheard 'error' does not throw: the error also reaches 'giveup' and `closed`.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('giveup', { error, decision, connections: this.connections });
    this.emit('close', code, closeReason);
  }

  /** Ends the session without giving up: the caller closed it or the vendor ended it cleanly. */
  private finish(code: number, reason: Buffer, error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.teardown();
    this.emit('close', code, this.settleClosed(code, reason, error));
  }

  /**
   * Ends the session now (no socket, wait or timer left) and reports the end on the next tick: as
   * with ws, `close` comes after close() returns, so a listener added just after it hears it.
   */
  private endAfterThisTick(code: number, reason: Buffer): void {
    const live = this.live;
    this.live = undefined;
    live?.dispose();
    process.nextTick(() => this.finish(code, reason, undefined));
  }

  /**
   * Resolves `closed`, before any listener hears of the end (one that throws cannot keep it
   * pending), and returns the reason the `close` event carries.
   */
  private settleClosed(code: number, reason: Buffer, error: Error | undefined): Buffer {
    // A vendor may echo the caller's key in its close reason; the session's own events never carry it.
    const text = reason.toString();
    const clean = redactText(text, this.context.secrets);
    this.resolveClosed({ code, reason: clean, ...(error ? { error } : {}) });
    return clean === text ? reason : Buffer.from(clean);
  }

  /** Leaves nothing behind: no timer, socket, abort listener or held message. */
  private teardown(): void {
    this.state = 'closed';
    this.stopWaiting();
    const live = this.live;
    this.live = undefined;
    live?.dispose();
    this.outbox.clear(new Error('the WebSocket session ended before the message was sent'));
    for (const detach of this.detachAbort.splice(0)) detach();
  }

  /** Cancels a pending reconnect wait, a pacer's turn and anything else waiting on the session's lifetime. */
  private stopWaiting(): void {
    if (!this.lifetime.signal.aborted) this.lifetime.abort();
  }
}

/** The event object a DOM-style listener gets for one Node-style emit. */
function toEvent(type: EventName, target: unknown, args: readonly unknown[]): SessionEvent {
  switch (type) {
    case 'message': {
      const [data, isBinary] = args as [RawData, boolean];
      return { type, target, data: isBinary ? data : data.toString(), isBinary };
    }
    case 'close': {
      const [code, reason] = args as [number, Buffer];
      return { type, target, code, reason: reason.toString(), wasClean: code !== 1006 };
    }
    case 'error': {
      const [error] = args as [Error];
      return { type, target, error, message: error.message };
    }
    case 'open':
      return { type, target };
    default:
      return { type, target, detail: args[0] };
  }
}

/** Throws, as `ws` would (a TypeError, a RangeError), for a close code or reason an application may not send. */
function assertSendableClose(code: number, reason: string): void {
  const valid =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999));
  if (!valid) throw new TypeError(`close: ${code} is not a close code an application may send`);
  if (Buffer.byteLength(reason) > 123) throw new RangeError('close: the reason must be at most 123 bytes');
}

/** True for data `ws` can send as it is. */
function isOutgoingData(value: unknown): value is OutgoingData {
  return (
    typeof value === 'string' ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Blob
  );
}

/** A setup message as sendable data: plain objects become JSON text. */
function setupToData(message: SetupMessage): OutgoingData {
  return isOutgoingData(message) ? message : JSON.stringify(message);
}

/** A text message's content, whatever shape `ws` delivered it in. */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * A per-connection option's value for one connection. A callback is awaited only until the session
 * closes: one that ignores `context.signal` (a token request that hangs) must not hold the
 * connection's pacing turn, nor the session, after close().
 */
async function resolvePerConnection<T>(value: PerConnection<T>, context: ConnectionContext): Promise<T> {
  if (typeof value !== 'function') return value;
  const result = (value as (c: ConnectionContext) => T | PromiseLike<T>)(context);
  if (typeof (result as Partial<PromiseLike<T>> | null)?.then !== 'function') return result as T;
  return untilAborted(result as PromiseLike<T>, context.signal);
}

/**
 * The credential that picks the session's pacer (vendors limit per API key): the first one on
 * the first connection's URL or headers, else the first one the caller named in `secrets`.
 */
function sessionCredential(target: ConnectionTarget, named: readonly string[]): string | undefined {
  return credentialsIn(target.url, target.headers)[0] ?? named[0];
}

/** The success a session reports to its pacer once per connection that is set up and ready. */
function connectedDecision(vendor: string): Decision {
  return {
    action: 'ok',
    category: 'ok',
    delayMs: 0,
    delaySource: 'none',
    rule: `${vendor}#ws-connected`,
    reason: 'The WebSocket connection was set up and is ready.',
  };
}
