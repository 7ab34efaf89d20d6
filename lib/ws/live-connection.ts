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
  private errorTimer: ReturnType<typeof setTimeout> | undefined;

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
  }

  /** Drops the socket silently and clears every timer. */
  dispose(): void {
    this.settle();
    this.connection.dispose();
  }
}
