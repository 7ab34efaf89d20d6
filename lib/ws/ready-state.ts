import { WebSocketEventTarget } from './event-target.js';

/** Where a session stands; `waiting` is the pause before a reconnect. */
export type SessionState = 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';

/** A session state as a `ws` readyState: waiting to reconnect reads as CONNECTING. */
export const READY_STATE: Readonly<Record<SessionState, 0 | 1 | 2 | 3>> = {
  connecting: 0,
  waiting: 0,
  open: 1,
  closing: 2,
  closed: 3,
};

/** The readyState constants `ws` offers on the class and on each instance. */
export class ReadyStateConstants extends WebSocketEventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
}
