import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import type { Decision, Signal } from '../engine/types.js';
import type { LiveConnection } from './live-connection.js';
import { ReadyStateConstants, type SessionState } from './ready-state.js';
import { Outbox } from './outbox.js';
import { redactText } from '../errors/redact.js';
import { SecretList } from './secrets.js';
import { WebSocketSessionError } from './session-error.js';
import type { SessionSettings } from './settings.js';
import type { SessionPacing } from './session-pacing.js';
import type { SessionCloseInfo } from './types.js';

/** What a session is built from (the factory resolves it once for all its sessions). */
export interface SessionInit {
  vendor: string;
  engine: Engine;
  settings: SessionSettings;
  signals: readonly AbortSignal[];
  /** Present when connections are paced (`options.pacing`). */
  pacing?: SessionPacing;
}

/**
 * The bottom layer of `ResilientWebSocket`: the state every layer of a session shares, and
 * the single way a session ends. Ending lives here, next to the state, because every layer can end
 * the session (a failed callback, an engine that cannot read a signal, a refusal by pacing, the
 * caller's `close`) and each must leave the same nothing behind and report the end exactly once.
 *
 * Not exported from the package: the layers are split by concept (this one, then
 * `ConnectionStages`, `ReconnectLoop`, and the ws-like surface on top) only to keep files small.
 */
export abstract class SessionCore extends ReadyStateConstants {
  /** Resolves once, when the session has ended; never rejects. */
  readonly closed: Promise<SessionCloseInfo>;
  /** The error the session gave up with, if it did. */
  lastError: Error | undefined;

  /** Where the session stands; every layer checks it after each await, as close() may have run. */
  protected state: SessionState = 'connecting';
  /** The current connection, if any (none while waiting to reconnect or once ended). */
  protected live: LiveConnection | undefined;
  /** Connections started so far, the reconnects included. */
  protected connections = 0;
  /** The attempt number the engine sees; restarts at 1 after a connection that stayed stable. */
  protected attempt = 0;
  /** The current connection's URL, credentials redacted. */
  protected currentUrl = '';
  /** Kept on the session so that every new connection gets the caller's choice. */
  protected binaryTypeValue: WebSocket['binaryType'];
  /** The pending reconnect, as the settings' scheduler returned it. */
  protected reconnectTimer: unknown;
  /** Aborted when the session stops waiting for anything: frees a pacing slot, ends an attempt. */
  protected readonly lifetime = new AbortController();
  /** Messages held for (or, with `replay`, kept for) the next connection. */
  protected readonly outbox: Outbox;
  /** Every credential seen, so that no error the session reports can leak one. */
  protected readonly secrets: SecretList;
  /** Detaches the caller's abort signals once the session has ended. */
  protected readonly detachAbort: (() => void)[] = [];
  private resolveClosed: (info: SessionCloseInfo) => void = () => undefined;

  /** Sets up the shared state; starting the first connection is the top layer's job. */
  constructor(protected readonly init: SessionInit) {
    super();
    const s = init.settings;
    this.binaryTypeValue = s.binaryType;
    this.outbox = new Outbox({ maxMessages: s.maxBufferedMessages, maxBytes: s.maxBufferedBytes }, s.replay);
    this.secrets = new SecretList(s.secrets);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Asks the engine; a signal it cannot read ends the session rather than being guessed at. */
  protected decide(signal: Signal): Decision | undefined {
    try {
      return this.init.engine.decide(signal);
    } catch (error) {
      this.failWith('the engine could not read what the server sent', error);
      return undefined;
    }
  }

  /** Ends the session for something that went wrong on our side (a callback, the engine, pacing). */
  protected failWith(what: string, cause: unknown): void {
    const error = new WebSocketSessionError(what, cause, this.secrets.list());
    this.giveUp(error, undefined, 1006, Buffer.alloc(0));
  }

  /** Ends the session with an error: `error` (if heard), `giveup`, then `close`. */
  protected giveUp(error: Error, decision: Decision | undefined, code: number, reason: Buffer): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.teardown();
    // Unlike ws, an unheard 'error' does not throw: the error also reaches 'giveup' and `closed`.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('giveup', { error, decision, connections: this.connections });
    this.emitClose(code, reason, error);
  }

  /** Ends the session without giving up: the caller closed it or the vendor ended it cleanly. */
  protected finish(code: number, reason: Buffer, error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.teardown();
    this.emitClose(code, reason, error);
  }

  private emitClose(code: number, reason: Buffer, error: Error | undefined): void {
    // A vendor may echo the caller's key in its close reason; the session's own events never carry it.
    const text = reason.toString();
    const clean = redactText(text, this.secrets.list());
    const delivered = clean === text ? reason : Buffer.from(clean);
    this.emit('close', code, delivered);
    this.resolveClosed({ code, reason: clean, ...(error ? { error } : {}) });
  }

  /** Leaves nothing behind: no timer, socket, abort listener or held message. */
  protected teardown(): void {
    this.state = 'closed';
    this.stopWaiting();
    const live = this.live;
    this.live = undefined;
    live?.dispose();
    this.outbox.clear();
    for (const detach of this.detachAbort.splice(0)) detach();
  }

  /** Cancels a pending reconnect and anything waiting on the session's lifetime. */
  protected stopWaiting(): void {
    if (this.reconnectTimer !== undefined) this.init.settings.scheduler.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (!this.lifetime.signal.aborted) this.lifetime.abort();
  }
}
