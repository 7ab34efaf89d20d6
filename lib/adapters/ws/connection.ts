/**
 * One connection of a session: its `ws` socket from upgrade to close, where it stands in the
 * setup → ready → active sequence, its own deadlines (connect, close after an error, closing
 * handshake), the rejected upgrade's answer, and the engine signal for how it ended. It reports;
 * the session decides.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { readBodyHead } from '../../run/body-head.js';
import type { Observation } from '../../run/call-context.js';
import { startTimer } from '../../run/time-source.js';
import type {
  ConnectionContext,
  OutgoingData,
  SendCallback,
  SendOptions,
  SessionSettings,
} from './options.js';

/** Where and how one connection goes: its URL and upgrade headers, minted for it. */
export interface ConnectionTarget {
  url: URL;
  headers: Readonly<Record<string, string>> | undefined;
}

/** A rejected WebSocket upgrade, as the engine reads it. */
export interface RejectedUpgrade {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's first bytes as UTF-8 text. */
  body: string;
}

/** How one connection ended: everything the engine needs to decide what comes next. */
export interface ConnectionEnd {
  /** The upgrade succeeded (the socket was open at some point). */
  opened: boolean;
  /** The close code `ws` reported (1006 when the socket was dropped without a closing handshake). */
  code: number;
  reason: Buffer;
  /** The first error the socket raised, if any. */
  error: Error | undefined;
  /** The server's answer when it refused the upgrade. */
  upgrade: RejectedUpgrade | undefined;
  /** The server's last error message on it (it was finished; the close followed). */
  errorMessage: string | undefined;
  /** It was dropped for not coming up within `connectTimeoutMs`. */
  timedOut: boolean;
}

/** What a {@link Connection} reports to its session. */
export interface ConnectionHandlers {
  open(): void;
  message(data: RawData, isBinary: boolean): void;
  /** A ping or pong frame from the server (ws answers pings with a pong itself). */
  control(kind: 'ping' | 'pong', data: Buffer): void;
  /** Called exactly once, unless the connection was disposed first. */
  end(end: ConnectionEnd): void;
}

const noop = (): void => undefined;

/** What `takeEarly` returns once nothing is held. */
const NO_MESSAGES: readonly { data: RawData; isBinary: boolean }[] = Object.freeze([]);

/** One `ws` socket of a session, from upgrade to close, and its progress towards being usable. */
export class Connection {
  /** The setup message has been sent (or there was none). */
  setupSent = false;
  /** The vendor's ready message has arrived (only looked for with `isReady`). */
  readySeen = false;
  /** Setup sent, ready seen, held messages flushed: live sends go straight to it. */
  active = false;
  activatedAtMs: number | undefined;
  /**
   * Messages that came before the connection was set up (see `holdEarly`), handed out once it is;
   * `undefined` once holding stopped (activated, or over the bound).
   */
  private early: { data: RawData; isBinary: boolean }[] | undefined = [];
  private earlyBytes = 0;
  /** The server's last error report; the connection is finished and its close will follow. */
  errorMessage: string | undefined;
  /** The connection did not come up within `connectTimeoutMs` and was dropped for it. */
  timedOut = false;
  private readonly socket: WebSocket;
  private opened = false;
  private disposed = false;
  private firstError: Error | undefined;
  private upgrade: RejectedUpgrade | undefined;
  private cancelUpgradeRead: (() => void) | undefined;
  // Housekeeping deadlines, unref'd waits on the session's time source (each holds the function
  // that cancels it): while the socket is connecting or open it holds the process itself.
  private cancelConnectTimer: (() => void) | undefined;
  private cancelErrorTimer: (() => void) | undefined;
  private cancelForceClose: (() => void) | undefined;

  /** Opens the socket; throws synchronously for a URL `ws` refuses. */
  constructor(
    readonly context: ConnectionContext,
    target: ConnectionTarget,
    private readonly settings: SessionSettings,
    binaryType: WebSocket['binaryType'],
    handlers: ConnectionHandlers,
  ) {
    const protocols = settings.protocols === undefined ? undefined : [settings.protocols].flat();
    this.socket = new WebSocket(target.url, protocols, {
      ...settings.wsOptions,
      ...(target.headers ? { headers: { ...target.headers } } : {}),
    });
    this.socket.binaryType = binaryType;
    this.socket.on('open', () => {
      this.opened = true;
      handlers.open();
    });
    this.socket.on('message', (data, isBinary) => handlers.message(data, isBinary));
    this.socket.on('ping', (data) => handlers.control('ping', data));
    this.socket.on('pong', (data) => handlers.control('pong', data));
    this.socket.on('error', (error) => {
      this.firstError ??= error;
    });
    this.socket.on('close', (code, reason) => {
      if (this.disposed) return;
      this.stopTimers();
      handlers.end({
        opened: this.opened,
        code,
        reason,
        error: this.firstError,
        upgrade: this.upgrade,
        errorMessage: this.errorMessage,
        timedOut: this.timedOut,
      });
    });
    // With this listener ws leaves the refused handshake to us: read the answer, then drop it.
    this.socket.on('unexpected-response', (_request, response) => {
      const read = readRejectedUpgrade(response, settings);
      this.cancelUpgradeRead = read.cancel;
      void read.done.then((upgrade) => {
        this.cancelUpgradeRead = undefined;
        this.upgrade = upgrade;
        if (!this.disposed) this.socket.terminate();
      });
    });
    if (settings.connectTimeoutMs > 0) {
      this.cancelConnectTimer = this.timer(() => {
        this.cancelConnectTimer = undefined;
        if (this.active) return;
        this.timedOut = true;
        this.terminate();
      }, settings.connectTimeoutMs);
    }
  }

  /** True while messages written now reach the server. */
  get writable(): boolean {
    return !this.disposed && this.socket.readyState === WebSocket.OPEN;
  }

  /** The subprotocol the server selected. */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** The extensions the server accepted. */
  get extensions(): string {
    return this.socket.extensions;
  }

  /** Bytes queued in the socket but not yet written. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** How binary messages are handed out, applied to the socket at once. */
  set binaryType(type: WebSocket['binaryType']) {
    this.socket.binaryType = type;
  }

  /** True when live sends may go straight to this connection. */
  get acceptsLiveSends(): boolean {
    return this.active && this.errorMessage === undefined && this.writable;
  }

  /** True once the setup is out and, when a ready message is required, it has arrived. */
  canActivate(readyRequired: boolean): boolean {
    const ready = this.readySeen || !readyRequired;
    return !this.active && this.setupSent && ready && this.errorMessage === undefined && this.writable;
  }

  /**
   * Holds a message that came before the connection was set up (ws hands none out before `open`):
   * true when held, false when it is not (the connection is set up, or the held messages would
   * pass `maxMessages` or `maxBytes`: the caller then hands out those held, see `takeEarly`).
   */
  holdEarly(data: RawData, isBinary: boolean, maxMessages: number, maxBytes: number): boolean {
    const early = this.early;
    if (early === undefined) return false;
    const bytes = rawByteLength(data);
    if (early.length + 1 > maxMessages || this.earlyBytes + bytes > maxBytes) return false;
    early.push({ data, isBinary });
    this.earlyBytes += bytes;
    return true;
  }

  /** The messages held before the connection was set up, in order; none are held after this. */
  takeEarly(): readonly { data: RawData; isBinary: boolean }[] {
    const early = this.early;
    // Asked on every message: once nothing is held, nothing is allocated.
    if (early === undefined) return NO_MESSAGES;
    this.early = undefined;
    this.earlyBytes = 0;
    return early;
  }

  /** The connection is up (setup out, ready seen): from now on only the socket can end it. */
  markActive(nowMs: number): void {
    this.active = true;
    this.activatedAtMs = nowMs;
    this.clearConnectTimer();
  }

  /**
   * Records the server's error report. Vendors close right after one; a server that does not is
   * dropped after `closeAfterErrorMs`, so the session is never stuck on it.
   */
  reportError(message: string, closeAfterErrorMs: number): void {
    this.errorMessage = message;
    this.cancelErrorTimer ??= this.timer(() => this.terminate(), closeAfterErrorMs);
  }

  /** Writes one message; the caller checks {@link Connection.writable} first. */
  send(data: OutgoingData, options?: SendOptions, sent?: SendCallback): void {
    this.socket.send(data, options ?? {}, sent);
  }

  /** Sends a ping or pong frame, as ws's own `ping`/`pong`; the caller checks {@link Connection.writable} first. */
  control(
    kind: 'ping' | 'pong',
    data: unknown,
    mask: boolean | undefined,
    cb: ((error?: Error) => void) | undefined,
  ): void {
    this.socket[kind](data, mask, cb);
  }

  /**
   * Starts the closing handshake, and drops the socket if the server has not finished it within
   * `timeoutMs`. A socket still connecting is dropped at once. `end` is reported either way.
   */
  close(code: number | undefined, reason: string, timeoutMs: number): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.terminate();
      return;
    }
    this.socket.close(code, reason);
    this.cancelForceClose ??= this.timer(() => this.socket.terminate(), timeoutMs);
  }

  /** Drops the socket without a handshake; `end` is reported with 1006. */
  terminate(): void {
    this.cancelUpgradeRead?.();
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }

  /** Drops the socket and reports nothing more: for a session that has already moved on. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopTimers();
    this.cancelUpgradeRead?.();
    this.socket.removeAllListeners();
    // terminate() on a connecting socket emits 'error' on the next tick; nobody needs to hear it.
    this.socket.on('error', noop);
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }

  /** Clears every deadline of this connection (its socket has ended or is being dropped). */
  private stopTimers(): void {
    this.cancelForceClose?.();
    this.cancelForceClose = undefined;
    this.cancelErrorTimer?.();
    this.cancelErrorTimer = undefined;
    this.clearConnectTimer();
  }

  private clearConnectTimer(): void {
    this.cancelConnectTimer?.();
    this.cancelConnectTimer = undefined;
  }

  /**
   * A housekeeping deadline: an unref'd, cancellable wait on the session's time source (a manual
   * test clock runs it too). Returns the function that cancels it.
   */
  private timer(callback: () => void, delayMs: number): () => void {
    return startTimer(this.settings.time, callback, delayMs, { unref: true });
  }
}

/**
 * What the engine is told about how a connection ended: the rejected upgrade's status, headers and
 * body; a timeout when it did not come up in time; the network error when it never opened;
 * otherwise the close code together with the server's last error message (the engine prefers the
 * message's own code).
 */
export function observationForEnd(end: ConnectionEnd): Observation {
  const { errorMessage } = end;
  if (end.upgrade) {
    const { status, headers, body } = end.upgrade;
    return { transport: 'ws', status, headers, body };
  }
  // An error message the server sent before we gave up says more than our timeout does.
  if (end.timedOut && errorMessage === undefined) return { transport: 'ws', error: 'ETIMEDOUT' };
  if (!end.opened) return { transport: 'ws', error: networkErrorCode(end.error) };
  return {
    transport: 'ws',
    closeCode: end.code,
    ...(errorMessage === undefined ? {} : { message: errorMessage }),
  };
}

/** A network error code for a connection that failed before the upgrade completed. */
function networkErrorCode(error: Error | undefined): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (error && /timed out/i.test(error.message)) return 'ETIMEDOUT';
  return 'ECONNABORTED';
}

/**
 * Reads a rejected upgrade's status, headers and at most `maxUpgradeBodyBytes` of its body. Stops
 * after `upgradeBodyTimeoutMs` when the body stalls, so a slow server cannot hold the session.
 * Never rejects.
 */
function readRejectedUpgrade(
  response: IncomingMessage,
  settings: SessionSettings,
): { done: Promise<RejectedUpgrade>; cancel: () => void } {
  const read = readBodyHead(
    response,
    settings.maxUpgradeBodyBytes,
    settings.upgradeBodyTimeoutMs,
    settings.time,
  );
  const done = read.done.then((body) => ({
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: body.toString('utf8'),
  }));
  return { done, cancel: read.cancel };
}

/** The size of a received message, in bytes (ws hands a fragmented one over as a list of buffers). */
function rawByteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;
}
