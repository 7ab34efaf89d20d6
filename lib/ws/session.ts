import { inspect } from 'node:util';
import type { WebSocket } from 'ws';
import { assertSendableClose } from './close-code.js';
import { READY_STATE } from './ready-state.js';
import { isOutgoingData } from './outgoing-data.js';
import { ReconnectLoop } from './reconnect-loop.js';
import type { SessionInit } from './session-core.js';
import type { OutgoingData } from './types.js';

export type { SessionInit } from './session-core.js';

/**
 * A WebSocket session that survives what the vendor's policy says can be survived: it looks like a
 * `ws` WebSocket (send, close, events, readyState) but reconnects, replays the setup and flushes
 * held messages as the engine decides. `open` fires once, `close` once, at the very end.
 *
 * This class is the ws-like surface; the layers beneath it each hold one concept: the shared
 * state and how a session ends (`SessionCore`), bringing one connection up (`ConnectionStages`),
 * and what happens between connections, pacing included (`ReconnectLoop`).
 */
export class ResilientWebSocket extends ReconnectLoop {
  /** Starts the first connection at once, unless a given abort signal has already fired. */
  constructor(init: SessionInit) {
    super(init);
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
    // Only here, once every layer's fields exist: the first steps of connect() run synchronously.
    void this.connect();
  }

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
    // With replay the outbox also keeps messages already sent; those are not waiting.
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
      // With replay the message is kept for later connections too; holding it first means a full
      // outbox refuses it before it reaches the wire.
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
}
