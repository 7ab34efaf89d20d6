import type { RawData, WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import type { Action, Decision, Signal } from '../engine/types.js';
import type { VendorPacer } from '../limit/vendor-pacer.js';
import { redactUrl } from '../errors/redact.js';
import { isVendorError, VendorError } from '../errors/vendor-error.js';
import type { ConnectionEnd } from './connection.js';
import { resolveConnectionTarget, type ConnectionTarget } from './connection-target.js';
import { assertSendableClose } from './close-code.js';
import { LiveConnection } from './live-connection.js';
import { READY_STATE, ReadyStateConstants, type SessionState } from './ready-state.js';
import { Outbox } from './outbox.js';
import { isOutgoingData, setupToData } from './outgoing-data.js';
import { SecretList, secretsOf } from './secrets.js';
import { WebSocketSessionError } from './session-error.js';
import type { SessionSettings } from './settings.js';
import { connectedDecision, sessionCredential, type SessionPacing } from './session-pacing.js';
import type { ConnectionContext, OutgoingData, SessionCloseInfo } from './types.js';
import { signalForEnd, textOf } from './wire-signal.js';

/** What a session is built from (the factory resolves it once for all its sessions). */
export interface SessionInit {
  vendor: string;
  engine: Engine;
  settings: SessionSettings;
  signals: readonly AbortSignal[];
  /** Present when connections are paced (`options.pacing`). */
  pacing?: SessionPacing;
}

/** Decisions that mean "open a new connection after the decided wait" on a WebSocket. */
const RECONNECTING_ACTIONS: ReadonlySet<Action> = new Set(['reconnect', 'retry', 'backoff']);

/**
 * A WebSocket session that survives what the vendor's policy says can be survived: it looks like a
 * `ws` WebSocket (send, close, events, readyState) but reconnects, replays the setup and flushes
 * held messages as the engine decides. `open` fires once, `close` once, at the very end.
 */
export class ResilientWebSocket extends ReadyStateConstants {
  /** Resolves once, when the session has ended; never rejects. */
  readonly closed: Promise<SessionCloseInfo>;
  /** The error the session gave up with, if it did. */
  lastError: Error | undefined;

  private state: SessionState = 'connecting';
  private live: LiveConnection | undefined;
  private connections = 0;
  private attempt = 0;
  private everOpened = false;
  private currentUrl = '';
  private binaryTypeValue: WebSocket['binaryType'];
  private reconnectTimer: unknown;
  /** The session's pacer, obtained once the first connection's credential is known. */
  private pacer: VendorPacer | undefined;
  private readonly lifetime = new AbortController();
  private readonly outbox: Outbox;
  private readonly secrets: SecretList;
  private readonly detachAbort: (() => void)[] = [];
  private resolveClosed: (info: SessionCloseInfo) => void = () => undefined;

  constructor(private readonly init: SessionInit) {
    super();
    const s = init.settings;
    this.binaryTypeValue = s.binaryType;
    this.outbox = new Outbox({ maxMessages: s.maxBufferedMessages, maxBytes: s.maxBufferedBytes }, s.replay);
    this.secrets = new SecretList(s.secrets);
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
    void this.connect();
  }

  /** 0 connecting or waiting to reconnect, 1 open, 2 closing, 3 closed. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.state];
  }

  /** The current connection's URL, credentials redacted. */
  get url(): string {
    return this.currentUrl;
  }

  /** The subprotocol of the current connection. */
  get protocol(): string {
    return this.live?.connection.protocol ?? '';
  }

  /** The extensions of the current connection. */
  get extensions(): string {
    return this.live?.connection.extensions ?? '';
  }

  /** Bytes waiting: those held for a later connection plus those queued in the current socket. */
  get bufferedAmount(): number {
    return (this.outbox.replay ? 0 : this.outbox.byteLength) + (this.live?.connection.bufferedAmount ?? 0);
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
    this.binaryTypeValue = type;
    if (this.live) this.live.connection.binaryType = type;
  }

  /**
   * Sends now when a connection is ready; otherwise holds the message for the next one (after its
   * setup). Throws `OutboxFullError` past the bound and an `Error` once the session is closing.
   */
  send(data: OutgoingData): void {
    if (this.state === 'closing' || this.state === 'closed') {
      throw new Error(
        `cannot send: the WebSocket session is ${this.state === 'closing' ? 'closing' : 'closed'}`,
      );
    }
    if (!isOutgoingData(data)) throw new TypeError('send: data must be a string, Buffer or binary view');
    const live = this.live;
    if (this.state === 'open' && live?.acceptsLiveSends) {
      if (this.outbox.replay) this.outbox.hold(data);
      live.connection.send(data);
      this.outbox.markDelivered();
      return;
    }
    this.outbox.hold(data);
  }

  /** With `replay`: stop replaying the messages sent so far (the vendor has consumed them). */
  clearReplay(): void {
    this.outbox.dropDelivered();
  }

  /**
   * Ends the session: no further reconnect, timer or socket. An open connection gets the closing
   * handshake (bounded by `closeTimeoutMs`); `close` fires when it is done.
   */
  close(code = 1000, reason = ''): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    assertSendableClose(code, reason);
    const live = this.live;
    if (live?.connection.writable) {
      this.state = 'closing';
      this.stopWaiting();
      live.connection.close(code, reason, this.init.settings.closeTimeoutMs);
      return;
    }
    this.finish(code, Buffer.from(reason), undefined);
  }

  private async connect(): Promise<void> {
    this.connections += 1;
    this.attempt += 1;
    this.state = 'connecting';
    const context: ConnectionContext = {
      connection: this.connections,
      attempt: this.attempt,
      reconnect: this.connections > 1,
      signal: this.lifetime.signal,
    };
    const paced = this.init.pacing;
    if (!paced) {
      void this.attemptConnection(context, undefined);
      return;
    }
    let target: ConnectionTarget | undefined;
    if (!this.pacer) {
      // Vendors limit per API key: the first connection's credential picks the session's pacer.
      target = await this.prepareTarget(context);
      if (target === undefined || this.state !== 'connecting') return;
      try {
        this.pacer = paced.pacing.pacer({
          vendor: this.init.vendor,
          limits: paced.limits,
          credential: paced.key ?? sessionCredential(target, this.init.settings.secrets),
        });
      } catch (error) {
        this.failWith('pacing could not provide a pacer for this session', error);
        return;
      }
    }
    // The attempt holds its slot until the connection is open or has failed, not for the
    // session's life; a closed vendor gate holds it back, and close() (the lifetime signal) frees it.
    try {
      await this.pacer.schedule(() => this.attemptConnection(context, target), {
        signal: this.lifetime.signal,
      });
    } catch (error) {
      if (this.state === 'connecting') this.refusedByPacing(error, context);
    }
  }

  /** Pacing would not let a connection start (Redis lost, pacing closed): the session fails. */
  private refusedByPacing(error: unknown, context: ConnectionContext): void {
    if (isVendorError(error)) {
      this.giveUp(error, error.decision, 1006, Buffer.alloc(0));
    } else {
      this.failWith(`pacing did not let connection ${context.connection} start`, error);
    }
  }

  /** Calls the URL and header callbacks for one connection; on failure the session fails. */
  private async prepareTarget(context: ConnectionContext): Promise<ConnectionTarget | undefined> {
    try {
      const target = await resolveConnectionTarget(this.init.settings, context);
      this.secrets.add(secretsOf(target.url, target.headers));
      return target;
    } catch (error) {
      if (this.state === 'connecting')
        this.failWith(`could not prepare connection ${context.connection}`, error);
      return undefined;
    }
  }

  /**
   * Opens one connection (minting its URL and headers unless `prepared`). Never rejects; resolves
   * once the connection is open, has ended, or the session has closed (which disposes it silently).
   */
  private async attemptConnection(
    context: ConnectionContext,
    prepared: ConnectionTarget | undefined,
  ): Promise<void> {
    const target = prepared ?? (await this.prepareTarget(context));
    if (target === undefined || this.state !== 'connecting') return;
    this.currentUrl = redactUrl(target.url);
    const lifetime = this.lifetime.signal;
    if (lifetime.aborted) return;
    await new Promise<void>((settled) => {
      const done = (): void => {
        lifetime.removeEventListener('abort', done);
        settled();
      };
      lifetime.addEventListener('abort', done, { once: true });
      try {
        const live: LiveConnection = new LiveConnection(
          context,
          target,
          this.init.settings,
          this.binaryTypeValue,
          {
            // ws reports nothing synchronously, so `live` is assigned before any of these run.
            open: () => {
              done();
              void this.onOpen(live);
            },
            message: (data, isBinary) => this.onMessage(live, data, isBinary),
            end: (end) => {
              done();
              this.onEnd(live, end);
            },
          },
        );
        this.live = live;
      } catch (error) {
        done();
        this.failWith(`could not open connection ${context.connection}`, error);
      }
    });
  }

  private async onOpen(live: LiveConnection): Promise<void> {
    let setup;
    try {
      setup = await this.init.settings.setup?.(live.context);
    } catch (error) {
      if (this.live === live && this.state === 'connecting')
        this.failWith('the setup callback failed', error);
      return;
    }
    if (this.live !== live || this.state !== 'connecting' || !live.connection.writable) return;
    // The vendor needs the setup before anything else on every connection (Gradium closes otherwise).
    if (setup !== undefined) live.connection.send(setupToData(setup));
    live.setupSent = true;
    this.activateWhenReady(live);
  }

  private activateWhenReady(live: LiveConnection): void {
    if (this.state !== 'connecting' || !live.canActivate(this.init.settings.isReady !== undefined)) return;
    live.active = true;
    live.activatedAtMs = this.init.settings.clock.now();
    const held = this.outbox.takeForConnection();
    for (const data of held) live.connection.send(data);
    this.state = 'open';
    // One success per connection set up (not per message) refills the vendor's retry budget.
    void this.pacer?.record(connectedDecision(this.init.vendor)).catch(() => undefined);
    if (!this.everOpened) {
      this.everOpened = true;
      this.emit('open');
    } else {
      this.emit('reconnected', { connection: live.context.connection, flushedMessages: held.length });
    }
  }

  private onMessage(live: LiveConnection, data: RawData, isBinary: boolean): void {
    const text = isBinary ? undefined : textOf(data);
    if (text !== undefined && this.state !== 'closing') {
      const decision = this.decide({
        vendor: this.init.vendor,
        transport: 'ws',
        attempt: this.attempt,
        message: text,
      });
      if (decision === undefined) return;
      if (decision.action !== 'ok') {
        // An error report: this connection is finished; act once the server closes it.
        live.reportError(text, this.init.settings.closeAfterErrorMs);
        return;
      }
    }
    const isReady = this.init.settings.isReady;
    if (isReady && !live.readySeen && isReady(text ?? data, isBinary)) {
      live.readySeen = true;
      this.activateWhenReady(live);
    }
    this.emit('message', data, isBinary);
  }

  private onEnd(live: LiveConnection, end: ConnectionEnd): void {
    live.settle();
    if (this.live === live) this.live = undefined;
    if (this.state === 'closing' || this.state === 'closed') {
      this.finish(end.code, end.reason, undefined);
      return;
    }
    const stable =
      live.activatedAtMs !== undefined &&
      this.init.settings.clock.now() - live.activatedAtMs >= this.init.settings.stableAfterMs;
    // A connection that stayed healthy long enough starts a fresh run of attempts.
    if (stable) this.attempt = 1;
    // The decision covers the server's error message too (the engine prefers the message's code),
    // so a failure is recorded with the pacer once, not once for the message and again for the close.
    const decision = this.decide(signalForEnd(this.init.vendor, this.attempt, end, live.errorMessage));
    if (decision === undefined) return;
    const pacer = this.pacer;
    if (!pacer) {
      this.actOnEnd(decision, end);
      return;
    }
    // The gate, the adaptive limits and the retry budget see the decision before the session acts.
    this.state = 'waiting';
    pacer.record(decision).then(
      (recorded) => {
        if (this.state === 'waiting') this.actOnEnd(recorded, end);
      },
      (error: unknown) => {
        if (this.state === 'waiting') this.failWith('pacing could not record a decision', error);
      },
    );
  }

  /** Carries out the decision about how a connection ended. */
  private actOnEnd(decision: Decision, end: ConnectionEnd): void {
    if (decision.action === 'ok') {
      this.finish(end.code, end.reason, undefined);
    } else if (RECONNECTING_ACTIONS.has(decision.action)) {
      this.state = 'waiting';
      this.reconnectTimer = this.init.settings.scheduler.setTimeout(() => {
        this.reconnectTimer = undefined;
        void this.connect();
      }, decision.delayMs);
      this.emit('reconnecting', { attempt: this.attempt, decision, delayMs: decision.delayMs });
    } else {
      const error = new VendorError({
        vendor: this.init.vendor,
        decision,
        attempts: this.connections,
        ...(end.upgrade ? { status: end.upgrade.status } : {}),
        ...(end.error ? { cause: end.error } : {}),
        secrets: this.secrets.list(),
      });
      this.giveUp(error, decision, end.code, end.reason);
    }
  }

  /** Asks the engine; a signal it cannot read ends the session rather than being guessed at. */
  private decide(signal: Signal): Decision | undefined {
    try {
      return this.init.engine.decide(signal);
    } catch (error) {
      this.failWith('the engine could not read what the server sent', error);
      return undefined;
    }
  }

  private failWith(what: string, cause: unknown): void {
    const error = new WebSocketSessionError(what, cause, this.secrets.list());
    this.giveUp(error, undefined, 1006, Buffer.alloc(0));
  }

  private giveUp(error: Error, decision: Decision | undefined, code: number, reason: Buffer): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.teardown();
    // Unlike ws, an unheard 'error' does not throw: the error also reaches 'giveup' and `closed`.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('giveup', { error, decision, connections: this.connections });
    this.emitClose(code, reason, error);
  }

  private finish(code: number, reason: Buffer, error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.teardown();
    this.emitClose(code, reason, error);
  }

  private emitClose(code: number, reason: Buffer, error: Error | undefined): void {
    this.emit('close', code, reason);
    this.resolveClosed({ code, reason: reason.toString(), ...(error ? { error } : {}) });
  }

  /** Leaves nothing behind: no timer, socket, abort listener or held message. */
  private teardown(): void {
    this.state = 'closed';
    this.stopWaiting();
    const live = this.live;
    this.live = undefined;
    live?.dispose();
    this.outbox.clear();
    for (const detach of this.detachAbort.splice(0)) detach();
  }

  private stopWaiting(): void {
    if (this.reconnectTimer !== undefined) this.init.settings.scheduler.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (!this.lifetime.signal.aborted) this.lifetime.abort();
  }
}
