/**
 * What a session holds for its next connection (buffered sends, or every send with `replay`),
 * within its bounds, and the error `send` throws past them.
 */
import type { OutgoingData, SendCallback, SendOptions } from './options.js';

/** One message held: what `send` was given. */
export interface HeldMessage {
  data: OutgoingData;
  options: SendOptions | undefined;
  /** Called by the first connection that sends it (never by a replay), or with the error that ends the session first. */
  sent: SendCallback | undefined;
}

/** Raised by `send` when holding one more message would pass the session's bound. */
export class OutboxFullError extends Error {
  override readonly name = 'OutboxFullError';
  /** Stable code for programmatic checks. */
  readonly code = 'ERR_WS_OUTBOX_FULL';
}

/** Bounds on what a session holds for a later connection. */
export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
}

/**
 * Messages held for the next connection. Without replay it holds only messages sent while no
 * connection could take them, and hands each out once. With replay it keeps every message since
 * the last replay point and hands all of them to every new connection.
 */
export class Outbox {
  private items: HeldMessage[] = [];
  private bytes = 0;
  /** With replay: how many of the first items some connection has already received. */
  private delivered = 0;
  /** With replay: the bytes of those first `delivered` items. */
  private deliveredBytes = 0;

  constructor(
    private readonly limits: OutboxLimits,
    /** Keep messages after they were sent, to send them again on each new connection. */
    readonly replay: boolean,
  ) {}

  /** Messages held. */
  get size(): number {
    return this.items.length;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Bytes held that no connection has received yet (with replay, those kept after sending are not). */
  get waitingByteLength(): number {
    return this.bytes - this.deliveredBytes;
  }

  /** Holds a message; throws {@link OutboxFullError} (holding nothing) when it would pass a bound. */
  hold(data: OutgoingData, options?: SendOptions, sent?: SendCallback): void {
    const size = byteLengthOf(data);
    if (this.items.length + 1 > this.limits.maxMessages || this.bytes + size > this.limits.maxBytes) {
      const what = this.replay ? 'kept for replay' : 'buffered while reconnecting';
      throw new OutboxFullError(
        `cannot send: ${this.items.length} messages (${this.bytes} bytes) are already ${what}; the bound is ` +
          `${this.limits.maxMessages} messages and ${this.limits.maxBytes} bytes` +
          (this.replay ? ' (call clearReplay() once the vendor has consumed them)' : ''),
      );
    }
    this.items.push({ data, options, sent });
    this.bytes += size;
  }

  /**
   * What a new connection must receive after its setup, in order. Without replay the outbox is
   * emptied; with replay it keeps them for the connection after.
   */
  takeForConnection(): readonly HeldMessage[] {
    if (this.replay) {
      this.markDelivered();
      const out = this.items.map((item) => ({ ...item }));
      // A callback hears of the first send only: replays on later connections are the session's.
      for (const item of this.items) item.sent = undefined;
      return out;
    }
    const out = this.items;
    this.clear();
    return out;
  }

  /** With replay: notes that every message held has now reached a connection. */
  markDelivered(): void {
    if (!this.replay) return;
    this.delivered = this.items.length;
    this.deliveredBytes = this.bytes;
  }

  /** With replay: forgets the messages a connection already received; ones never sent stay. */
  dropDelivered(): void {
    if (!this.replay || this.delivered === 0) return;
    this.items = this.items.slice(this.delivered);
    this.bytes = this.items.reduce((sum, item) => sum + byteLengthOf(item.data), 0);
    this.delivered = 0;
    this.deliveredBytes = 0;
  }

  /**
   * Drops everything held; the callbacks of messages never sent get `error` (after this tick, as
   * ws calls them).
   */
  clear(error?: Error): void {
    if (error) {
      for (const { sent } of this.items) if (sent) process.nextTick(sent, error);
    }
    this.items = [];
    this.bytes = 0;
    this.delivered = 0;
    this.deliveredBytes = 0;
  }
}

/** Size of one outgoing message in bytes (UTF-8 for text). */
function byteLengthOf(data: OutgoingData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  return data instanceof Blob ? data.size : data.byteLength;
}
