import type { Decision } from '../core/engine/types.js';
import type { Telemetry } from '../run/telemetry.js';
import type { TimeSource } from '../run/time-source.js';

/** A registration that can be undone. */
export interface Disposable {
  /** Removes the listener; calling it again does nothing. */
  dispose(): void;
}

/** Identifies the pacer an event comes from. `key` is the vendor plus a hash of the credential, never the credential. */
export interface PacerIdentity {
  vendor: string;
  key: string;
}

/** Everything pacing reports, by event name. */
export interface PacingEventMap {
  /** The number of queued or running calls changed. */
  counts: PacerIdentity & { queued: number; running: number };
  /** A `backoff` decision closed (or extended) the vendor's gate; nothing is sent before `openAtMs`. */
  gateClosed: PacerIdentity & { openAtMs: number; decision: Decision };
  /** The gate opened again; queued calls resume at the pacer's pace. */
  gateOpened: PacerIdentity;
  /** Adaptive pacing changed the concurrency limit (`undefined` = unlimited). */
  concurrencyChanged: PacerIdentity & { maxConcurrent: number | undefined; previous: number | undefined };
  /** Adaptive pacing changed the request rate (`undefined` = unlimited). */
  rateChanged: PacerIdentity & { requestsPerSecond: number | undefined; previous: number | undefined };
  /** A retryable failure was turned into a `fail` because the vendor's retry budget is empty. */
  budgetExhausted: { vendor: string; decision: Decision };
  /** Cluster pacing lost Redis (or got an error from it); queued calls were failed. */
  redisError: { error: Error };
}

/** Names of {@link PacingEventMap}. */
export type PacingEventName = keyof PacingEventMap;

/** A typed listener surface: `on(name, listener)` returns a {@link Disposable}. */
export interface PacingEvents {
  /** Subscribes to one event; listener exceptions are swallowed so they can never break a call. */
  on<E extends PacingEventName>(name: E, listener: (event: PacingEventMap[E]) => void): Disposable;
}

/** The emitting side of {@link PacingEvents}, kept internal to pacing. */
export class PacingEventHub implements PacingEvents {
  private readonly listeners = new Map<PacingEventName, Set<(event: never) => void>>();

  on<E extends PacingEventName>(name: E, listener: (event: PacingEventMap[E]) => void): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const entry = listener as (event: never) => void;
    set.add(entry);
    return { dispose: () => void set.delete(entry) };
  }

  /** True when `name` has a listener (an event nobody listens to need not be built). */
  listens(name: PacingEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  /** Calls every listener of `name`; a throwing listener does not stop the others. */
  emit<E extends PacingEventName>(name: E, event: PacingEventMap[E]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (event: PacingEventMap[E]) => void)(event);
      } catch {
        // A listener is observability; it must never break the call that triggered it.
      }
    }
  }

  /** How many listeners are registered (tests check that disposal leaves none). */
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  /** Drops every listener. */
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Reports a pacing's events to its `telemetry` option: how long each pacer's backoff gate stayed
 * closed (from its first `gateClosed` to `gateOpened`, extensions included, on the pacing's clock)
 * and every retry refused by an empty retry budget.
 */
export function reportPacingTo(
  events: PacingEvents,
  telemetry: Pick<Telemetry, 'gateWasClosed' | 'budgetWasExhausted'>,
  time: TimeSource,
): void {
  /** When each closed gate closed, by pacer key (vendor plus a credential hash, never the credential). */
  const closedAtMs = new Map<string, number>();
  events.on('gateClosed', ({ key }) => {
    if (!closedAtMs.has(key)) closedAtMs.set(key, time.now());
  });
  events.on('gateOpened', ({ vendor, key }) => {
    const since = closedAtMs.get(key);
    if (since === undefined) return;
    closedAtMs.delete(key);
    telemetry.gateWasClosed(vendor, time.now() - since);
  });
  events.on('budgetExhausted', ({ vendor, decision }) => telemetry.budgetWasExhausted(vendor, decision));
}
