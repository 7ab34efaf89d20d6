/** The transport a signal was observed on. */
export type Transport = 'http' | 'ws';

/** Where in a call the signal happened: sending the request, asking about an async job, or inside a streamed 200. */
export type Phase = 'submit' | 'poll' | 'stream';

/** What to do about a signal (see docs/design.md, "Vocabulary"). */
export type Action = 'ok' | 'retry' | 'backoff' | 'poll' | 'resubmit' | 'reconnect' | 'fail';

/** Every action, in a stable order (for validation and docs). */
export const ACTIONS: readonly Action[] = ['ok', 'retry', 'backoff', 'poll', 'resubmit', 'reconnect', 'fail'];

/** Where the wait in a decision came from. */
export type DelaySource = 'header' | 'body' | 'message' | 'computed' | 'none';

/** A header value as Node, fetch-style objects and JSON signals give it. */
export type HeaderValue = string | number | readonly string[];

/** One thing that happened on the wire, normalized (the Signal contract of docs/design.md). */
export interface Signal {
  /** Built-in policy name, a registered vendor name, or a path to a policy file. */
  vendor: string;
  /** `http` or `ws`; `http` when omitted. */
  transport?: Transport | undefined;
  /** `submit` when omitted. */
  phase?: Phase | undefined;
  /** HTTP status of the response (or of a rejected WebSocket upgrade). */
  status?: number | undefined;
  /** Response headers, any case. */
  headers?: Readonly<Record<string, HeaderValue | undefined>> | undefined;
  /** Raw response body text. */
  body?: string | undefined;
  /** One line or message received after a 200 (phase `stream`). */
  streamLine?: string | undefined;
  /** A WebSocket text message from the server. */
  message?: string | undefined;
  /** A WebSocket close code. */
  closeCode?: number | undefined;
  /** A network error code when there was no response (`ECONNRESET`, `ENOTFOUND`, …). */
  error?: string | undefined;
  /** 1-based number of the attempt that produced this signal; 1 when omitted. */
  attempt?: number | undefined;
}

/** What to do about one signal, with the reason (the Decision contract of docs/design.md). */
export interface Decision {
  action: Action;
  /** The vendor's own code as a string; absent when the vendor gave none. */
  code?: string;
  /** A coarse, vendor-independent class of the failure (`rate_limited`, `auth`, …). */
  category: string;
  /** How long to wait before the next step, in milliseconds (0 for `ok` and `fail`). */
  delayMs: number;
  /** Where `delayMs` came from. */
  delaySource: DelaySource;
  /** The wait the server asked for, in milliseconds, when it asked for one. */
  retryAfterMs?: number;
  /** The rule that decided, as `vendor#rule-id`. */
  rule: string;
  /** One human-readable sentence: what happened, what to do, why. */
  reason: string;
}

/**
 * The library's one time source, the `clock` option of `createVendorEngine`, `createPacing`,
 * `vendorResilience`, `runVendorJob`, `readVendorMessages` and `startVendorSimulator`: the engine
 * reads `now()`; adapters, pacing and the simulator also wait through `sleep()` when it is there
 * (`createManualClock()` from `vendor-resilience/testing` is one: advancing it releases every
 * wait). A clock with only `now()` waits on real timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `delayMs` of this clock's time; rejects with the signal's reason when it
   * aborts. `unref`: the wait alone must not keep the process (or an auto-advancing test clock)
   * going; it is housekeeping (the idle-pacer sweep, the deadline watch), so a test clock that ends
   * every wait at once must leave unref'd ones pending (until their signal aborts).
   */
  sleep?(delayMs: number, options?: { signal?: AbortSignal | undefined; unref?: boolean }): Promise<void>;
}

/** The engine's only view of the outside world: a clock and a source of randomness for jitter. */
export interface EngineEnvironment {
  clock: Clock;
  /** Returns a number in [0, 1), like `Math.random`. */
  random: () => number;
}
