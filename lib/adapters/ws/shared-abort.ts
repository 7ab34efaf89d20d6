/**
 * A caller's abort signal shared by many sessions (a factory's `signal` option) through one
 * listener, so that Node does not warn of a leak when more than ten sessions are open.
 */
import { setMaxListeners } from 'node:events';

/**
 * The factory's signal as the open sessions listen to it: a signal of our own (any number of
 * listeners) that aborts with the caller's, which holds one listener only while a session is open
 * (a factory made per call leaves nothing on a long-lived signal).
 */
export class SharedAbort {
  private relay: AbortController | undefined;
  private open = 0;
  private readonly forward = (): void => this.relay?.abort(this.signal.reason);

  constructor(private readonly signal: AbortSignal) {}

  /** The signal one more session listens to (the caller's own once it has aborted). */
  acquire(): AbortSignal {
    if (this.signal.aborted) return this.signal;
    this.open += 1;
    if (!this.relay) {
      this.relay = new AbortController();
      setMaxListeners(0, this.relay.signal);
      this.signal.addEventListener('abort', this.forward, { once: true });
    }
    return this.relay.signal;
  }

  /** The session given `signal` has ended; the last one removes the listener from the caller's signal. */
  release(signal: AbortSignal): void {
    if (signal !== this.relay?.signal) return;
    this.open -= 1;
    if (this.open > 0) return;
    this.signal.removeEventListener('abort', this.forward);
    this.relay = undefined;
  }
}
