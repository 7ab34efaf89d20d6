import { Connection, type ConnectionHandlers } from './connection.js';
import type { ConnectionTarget } from './connection-target.js';
import { unrefTimer } from './scheduler.js';
import type { SessionSettings } from './settings.js';
import type { ConnectionContext } from './types.js';
import type { WebSocket } from 'ws';

/** One connection of a session, with where it stands in the setup → ready → active sequence. */
export class LiveConnection {
  readonly connection: Connection;
  setupSent = false;
  readySeen = false;
  /** Setup sent, ready seen, held messages flushed: live sends go straight to it. */
  active = false;
  activatedAtMs: number | undefined;
  /** The server's last error report; the connection is finished and its close will follow. */
  errorMessage: string | undefined;
  /** The connection did not come up within `connectTimeoutMs` and was dropped for it. */
  timedOut = false;
  private errorTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  /** Opens the socket; throws synchronously for a URL `ws` refuses. */
  constructor(
    readonly context: ConnectionContext,
    target: ConnectionTarget,
    settings: SessionSettings,
    binaryType: WebSocket['binaryType'],
    handlers: ConnectionHandlers,
  ) {
    this.connection = new Connection(
      {
        url: target.url,
        headers: target.headers,
        protocols: settings.protocols,
        wsOptions: settings.wsOptions,
        binaryType,
        maxUpgradeBodyBytes: settings.maxUpgradeBodyBytes,
        upgradeBodyTimeoutMs: settings.upgradeBodyTimeoutMs,
      },
      handlers,
    );
    if (settings.connectTimeoutMs > 0) {
      // Unref'd: while the socket is connecting or open it holds the process itself.
      this.connectTimer = unrefTimer(() => {
        this.connectTimer = undefined;
        if (this.active) return;
        this.timedOut = true;
        this.connection.terminate();
      }, settings.connectTimeoutMs);
    }
  }

  /** The connection is up (setup out, ready seen): from now on only the socket can end it. */
  markActive(nowMs: number): void {
    this.active = true;
    this.activatedAtMs = nowMs;
    this.clearConnectTimer();
  }

  /** True when live sends may go straight to this connection. */
  get acceptsLiveSends(): boolean {
    return this.active && this.errorMessage === undefined && this.connection.writable;
  }

  /** True once the setup is out and, when a ready message is required, it has arrived. */
  canActivate(readyRequired: boolean): boolean {
    const ready = this.readySeen || !readyRequired;
    return (
      !this.active && this.setupSent && ready && this.errorMessage === undefined && this.connection.writable
    );
  }

  /**
   * Records the server's error report. Vendors close right after one; a server that does not is
   * dropped after `closeAfterErrorMs`, so the session is never stuck on it.
   */
  reportError(message: string, closeAfterErrorMs: number): void {
    this.errorMessage = message;
    this.errorTimer ??= unrefTimer(() => this.connection.terminate(), closeAfterErrorMs);
  }

  /** Clears this connection's own timer (its socket has ended or is being dropped). */
  settle(): void {
    if (this.errorTimer !== undefined) clearTimeout(this.errorTimer);
    this.errorTimer = undefined;
    this.clearConnectTimer();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  /** Drops the socket silently and clears every timer. */
  dispose(): void {
    this.settle();
    this.connection.dispose();
  }
}
