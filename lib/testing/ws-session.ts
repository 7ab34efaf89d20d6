import type { DropFault, WsErrorFault } from './fault-plan.js';
import type { RecordedRequest, RequestLog } from './request-log.js';

/** Faults a session applies once the server has sent enough messages. */
export interface WsSessionFaults {
  /** Error message then close. */
  wsError?: WsErrorFault | undefined;
  /** Cut the connection (client sees 1006). */
  drop?: DropFault | undefined;
}

/**
 * What a session uses of the server's socket (a `ws` WebSocket). Declared here rather than taken
 * from `ws` because the vendor modules' declarations reach this file from `vendor-resilience/testing`'s
 * types, which must type-check without `@types/ws` (ws is an optional peer).
 */
export interface ServerSocket {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  send(data: Buffer | string): void;
  close(code?: number): void;
  terminate(): void;
}

/** A server-side WebSocket session: counts sent messages, fires `ws-error`/`drop` faults, records traffic. */
export class WsSession {
  private sentCount = 0;
  private ended = false;
  private faults: WsSessionFaults = {};

  constructor(
    private readonly ws: ServerSocket,
    private readonly log: RequestLog,
    private readonly entry: RecordedRequest,
    private readonly errorMessage: (message: string, closeCode: number) => string,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => log.addWsMessage(entry, data, isBinary));
    ws.on('close', (code: number) => {
      this.ended = true;
      entry.wsCloseCode ??= code;
      if (entry.outcome === 'ws-open') log.finish(entry, 'ws-closed', 101, entry.code);
    });
    // A client that vanishes is normal here; the close handler records it.
    ws.on('error', () => undefined);
  }

  /** Whether the session can still send. */
  get isOpen(): boolean {
    return !this.ended;
  }

  /**
   * Arms the session's faults and applies those due before any message (threshold 0). Call once the
   * handler is wired and has kept the session open.
   */
  start(faults: WsSessionFaults): void {
    this.faults = faults;
    this.checkFaults();
  }

  /** Registers the handler for client messages (ignored once the session ended). */
  onMessage(handler: (data: Buffer, isBinary: boolean) => void): void {
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!this.ended) handler(data, isBinary);
    });
  }

  /** Sends a JSON message or binary chunk; returns false once the session has ended. */
  send(message: object | Buffer): boolean {
    if (this.ended) return false;
    this.ws.send(Buffer.isBuffer(message) ? message : JSON.stringify(message));
    this.sentCount += 1;
    this.entry.wsMessagesSent = this.sentCount;
    this.checkFaults();
    return !this.ended;
  }

  /** Sends the vendor's error message, then closes with `closeCode` (the documented error sequence). */
  fail(closeCode: number, message: string, code: string = String(closeCode)): void {
    if (this.ended) return;
    this.ws.send(this.errorMessage(message, closeCode));
    this.entry.wsMessagesSent = ++this.sentCount;
    this.closeWith(closeCode, code);
  }

  /** Ends the session normally (1000). */
  finish(): void {
    if (!this.ended) this.closeWith(1000, undefined);
  }

  private closeWith(closeCode: number, code: string | undefined): void {
    this.ended = true;
    this.entry.wsCloseCode = closeCode;
    // Recorded now, not on the 'close' event: the client may see the close before the server's socket ends.
    this.log.finish(this.entry, 'ws-closed', 101, code);
    this.ws.close(closeCode);
  }

  private checkFaults(): void {
    const { wsError, drop } = this.faults;
    if (wsError && this.sentCount >= wsError.afterMessages) {
      this.faults.wsError = undefined;
      this.entry.faults.push('ws-error');
      this.fail(wsError.closeCode, wsError.message ?? defaultMessage(wsError.closeCode));
    } else if (drop && this.sentCount >= (drop.afterMessages ?? 1)) {
      this.faults.drop = undefined;
      this.entry.faults.push('drop');
      this.ended = true;
      this.ws.terminate();
      this.log.finish(this.entry, 'dropped-mid-response', 101);
    }
  }
}

function defaultMessage(closeCode: number): string {
  if (closeCode === 1008) return 'Policy violation';
  if (closeCode === 1003) return 'Invalid payload';
  return 'Internal server error';
}
