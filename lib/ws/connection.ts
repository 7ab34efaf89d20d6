import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { unrefTimer } from './scheduler.js';
import { readRejectedUpgrade, type RejectedUpgrade } from './upgrade-response.js';
import type { OutgoingData } from './types.js';

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
}

/** What a {@link Connection} reports to its session. */
export interface ConnectionHandlers {
  open(): void;
  message(data: RawData, isBinary: boolean): void;
  /** Called exactly once, unless the connection was disposed first. */
  end(end: ConnectionEnd): void;
}

/** Settings of one connection. */
export interface ConnectionSettings {
  url: URL;
  protocols: string | readonly string[] | undefined;
  headers: Readonly<Record<string, string>> | undefined;
  wsOptions: Omit<ClientOptions, 'headers'> | undefined;
  binaryType: WebSocket['binaryType'];
  maxUpgradeBodyBytes: number;
  /** How long to wait for a rejected upgrade's body, in milliseconds. */
  upgradeBodyTimeoutMs: number;
}

const noop = (): void => undefined;

/** One `ws` socket of a session, from upgrade to close. It reports; the session decides. */
export class Connection {
  private readonly socket: WebSocket;
  private opened = false;
  private disposed = false;
  private firstError: Error | undefined;
  private upgrade: RejectedUpgrade | undefined;
  private cancelUpgradeRead: (() => void) | undefined;
  private forceCloseTimer: ReturnType<typeof setTimeout> | undefined;

  /** Opens the socket; throws synchronously for a URL `ws` refuses. */
  constructor(settings: ConnectionSettings, handlers: ConnectionHandlers) {
    const protocols = settings.protocols === undefined ? undefined : [settings.protocols].flat();
    this.socket = new WebSocket(settings.url, protocols, {
      ...settings.wsOptions,
      ...(settings.headers ? { headers: { ...settings.headers } } : {}),
    });
    this.socket.binaryType = settings.binaryType;
    this.socket.on('open', () => {
      this.opened = true;
      handlers.open();
    });
    this.socket.on('message', (data, isBinary) => handlers.message(data, isBinary));
    this.socket.on('error', (error) => {
      this.firstError ??= error;
    });
    this.socket.on('close', (code, reason) => {
      if (this.disposed) return;
      this.stopTimers();
      handlers.end({ opened: this.opened, code, reason, error: this.firstError, upgrade: this.upgrade });
    });
    // With this listener ws leaves the refused handshake to us: read the answer, then drop it.
    this.socket.on('unexpected-response', (_request, response) => {
      const read = readRejectedUpgrade(response, settings.maxUpgradeBodyBytes, settings.upgradeBodyTimeoutMs);
      this.cancelUpgradeRead = read.cancel;
      void read.done.then((upgrade) => {
        this.cancelUpgradeRead = undefined;
        this.upgrade = upgrade;
        if (!this.disposed) this.socket.terminate();
      });
    });
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

  /** Writes one message; the caller checks {@link Connection.writable} first. */
  send(data: OutgoingData): void {
    this.socket.send(data);
  }

  /**
   * Starts the closing handshake, and drops the socket if the server has not finished it within
   * `timeoutMs`. A socket still connecting is dropped at once. `end` is reported either way.
   */
  close(code: number, reason: string, timeoutMs: number): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.terminate();
      return;
    }
    this.socket.close(code, reason);
    this.forceCloseTimer ??= unrefTimer(() => this.socket.terminate(), timeoutMs);
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

  private stopTimers(): void {
    if (this.forceCloseTimer !== undefined) clearTimeout(this.forceCloseTimer);
    this.forceCloseTimer = undefined;
  }
}
