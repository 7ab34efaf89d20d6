import { EventEmitter } from 'node:events';
import type { RawData } from 'ws';
import type { ResilientWebSocketEventMap } from './types.js';

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

type EventName = keyof ResilientWebSocketEventMap;
type Wrapper = (...args: unknown[]) => void;

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

/**
 * Node-style events (`on`/`once`/`off`, with ws's listener arguments) plus the DOM-style
 * `addEventListener`/`removeEventListener` and `on<event>` properties that `ws` and browsers offer.
 */
export class WebSocketEventTarget extends EventEmitter<ResilientWebSocketEventMap> {
  private readonly domListeners = new Map<EventName, Map<SessionEventListener, Wrapper>>();
  private readonly handlerProperties = new Map<EventName, (event: SessionEvent) => void>();

  /** Adds a DOM-style listener (added once per type and listener, as in `ws`). */
  addEventListener(type: EventName, listener: SessionEventListener, options: { once?: boolean } = {}): void {
    const byListener = this.domListeners.get(type) ?? new Map<SessionEventListener, Wrapper>();
    if (byListener.has(listener)) return;
    const wrapper: Wrapper = (...args) => {
      if (options.once) this.removeEventListener(type, listener);
      const event = toEvent(type, this, args);
      if (typeof listener === 'function') listener.call(this, event);
      else listener.handleEvent(event);
    };
    byListener.set(listener, wrapper);
    this.domListeners.set(type, byListener);
    (this as EventEmitter).on(type, wrapper);
  }

  /** Removes a listener added with {@link WebSocketEventTarget.addEventListener}. */
  removeEventListener(type: EventName, listener: SessionEventListener): void {
    const byListener = this.domListeners.get(type);
    const wrapper = byListener?.get(listener);
    if (!byListener || !wrapper) return;
    byListener.delete(listener);
    (this as EventEmitter).off(type, wrapper);
  }

  /** `onopen` and friends: one listener per type, replaced on assignment. */
  protected setHandlerProperty(type: EventName, handler: ((event: SessionEvent) => void) | null): void {
    const previous = this.handlerProperties.get(type);
    if (previous) this.removeEventListener(type, previous);
    this.handlerProperties.delete(type);
    if (typeof handler === 'function') {
      this.handlerProperties.set(type, handler);
      this.addEventListener(type, handler);
    }
  }

  /** The current `on<type>` handler, or null. */
  protected handlerProperty(type: EventName): ((event: SessionEvent) => void) | null {
    return this.handlerProperties.get(type) ?? null;
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
}
