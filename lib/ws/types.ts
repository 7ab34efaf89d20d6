import type { ClientOptions, RawData } from 'ws';
import type { Engine } from '../engine/engine.js';
import type { Clock, Decision } from '../engine/types.js';
import type { Pacing } from '../limit/pacing.js';
import type { Scheduler } from './scheduler.js';

/** What `send` accepts: text, or binary as a Buffer, ArrayBuffer or typed-array view. */
export type OutgoingData = string | Buffer | ArrayBuffer | ArrayBufferView;

/** A setup message: outgoing data, or a plain object sent as JSON text. */
export type SetupMessage = OutgoingData | Readonly<Record<string, unknown>>;

/** What the per-connection callbacks (URL, headers, setup) learn about the connection they serve. */
export interface ConnectionContext {
  /** 1-based number of this connection within the session (1 = the first, 2 = the first reconnect, …). */
  connection: number;
  /** 1-based attempt number in the current run of failures, as reported to the engine. */
  attempt: number;
  /** True for every connection after the first. */
  reconnect: boolean;
  /** Aborted when the session closes; pass it to a token request so it stops too. */
  signal: AbortSignal;
}

/** A value, or a (possibly async) function of the connection that returns it (minted per connection). */
export type PerConnection<T> = T | ((context: ConnectionContext) => T | Promise<T>);

/** Options of {@link createResilientWebSocket}. */
export interface ResilientWebSocketOptions {
  /** The endpoint; a function is called for every connection, so single-use tokens can be minted each time. */
  url: PerConnection<string | URL>;
  /** Upgrade request headers (for example `x-api-key`); a function is called for every connection. */
  headers?: PerConnection<Readonly<Record<string, string>>>;
  /** WebSocket subprotocols. */
  protocols?: string | readonly string[];
  /**
   * The session setup message, built anew for every connection and sent first on it, before any
   * buffered or replayed message. Return `undefined` for protocols without one.
   */
  setup?: (context: ConnectionContext) => SetupMessage | undefined | Promise<SetupMessage | undefined>;
  /**
   * When given, buffered messages are held back after the setup until a server message satisfies
   * this predicate (Gradium's `ready`). Text messages arrive as strings.
   */
  isReady?: (data: string | RawData, isBinary: boolean) => boolean;
  /**
   * Replay every message sent since the session started (or since the session's `clearReplay()`)
   * on each new connection, for vendors that cannot resume a session. Default false.
   */
  replay?: boolean;
  /** Most messages held for a later connection (buffered, or kept for replay). Default 1000. */
  maxBufferedMessages?: number;
  /** Most bytes held for a later connection. Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * How long a connection counts as healthy before a failure starts a fresh run of attempts, in
   * milliseconds. Until then, failures add up against the engine's attempt cap. Default 5000.
   */
  stableAfterMs?: number;
  /** How long to wait for the server to close after it sent an error message. Default 5000. */
  closeAfterErrorMs?: number;
  /**
   * How long one connection may take to come up, in milliseconds: the upgrade, the setup
   * callback and (with `isReady`) the vendor's ready message. Past it the connection is dropped
   * and the engine hears a timed-out connection (`ETIMEDOUT`), which the built-in policies answer
   * with a reconnect after backoff. A server that accepts the socket and then says nothing would
   * otherwise hold the session in CONNECTING forever. Default 15000; 0 turns it off.
   */
  connectTimeoutMs?: number;
  /** How long `close()` waits for the closing handshake before dropping the socket. Default 5000. */
  closeTimeoutMs?: number;
  /** Most bytes of a rejected upgrade's body read for the engine. Default 64 KiB. */
  maxUpgradeBodyBytes?: number;
  /** Aborting closes every session of this factory. */
  signal?: AbortSignal;
  /** Credentials to remove from errors besides those found in the URL and headers. */
  secrets?: readonly string[];
  /** The engine that decides; by default one over `policy` with `clock` and `random`. */
  engine?: Engine;
  /** Time source for the engine and the stability window. */
  clock?: Clock;
  /** Randomness for the engine's jitter, in [0, 1). */
  random?: () => number;
  /** Runs the waits the engine decides on; inject one in tests to observe or shorten real time. */
  scheduler?: Scheduler;
  /** Further `ws` client options (handshake timeout, compression, agent, …). */
  wsOptions?: Omit<ClientOptions, 'headers'>;
  /**
   * Pace connections through this application's pacing (`createPacing()`), shared with the HTTP
   * adapter: every connection attempt waits for its turn under the vendor's limits and backoff
   * gate, and the decisions about refused upgrades, error messages and close codes feed the gate,
   * the adaptive limits and the vendor's retry budget (an empty budget ends the session with a
   * `budget_exhausted` `VendorError`). One pacer per session, keyed by its first credential.
   * A concurrency slot is held while a connection is being opened, not for the session's life.
   * Without this option sessions share the process's default pacing (the gate, the rate learned
   * from 429s and the retry budget, without the policy's limits); `false` turns pacing off.
   */
  pacing?: Pacing | false;
  /**
   * The credential pacing keys this session by (an API key or account id). By default the first
   * credential on the first connection; set it when the URL carries a token minted per connection
   * (Gradium browser tokens), so every session of one account shares the vendor's pacer.
   */
  pacingKey?: string;
}

/** Options for one session opened by the factory. */
export interface OpenSessionOptions {
  /** Aborting closes this session. */
  signal?: AbortSignal;
}

/** Payload of the `reconnecting` event. */
export interface ReconnectingInfo {
  /** The attempt number that failed (as sent to the engine). */
  attempt: number;
  /** The engine's decision (`reconnect`, `retry` or `backoff`). */
  decision: Decision;
  /** How long the session waits before the next connection, in milliseconds (the decision's). */
  delayMs: number;
}

/** Payload of the `reconnected` event. */
export interface ReconnectedInfo {
  /** The connection number now live (2 for the first reconnect). */
  connection: number;
  /** Messages sent on it after the setup (buffered plus replayed). */
  flushedMessages: number;
}

/** Payload of the `giveup` event. */
export interface GiveUpInfo {
  /** The error the session ended with (a `VendorError` for any decision from the wire). */
  error: Error;
  /** The engine's final decision, when the end came from the wire. */
  decision: Decision | undefined;
  /** Connections opened in total. */
  connections: number;
}

/** How a session ended, as `closed` resolves it. */
export interface SessionCloseInfo {
  code: number;
  reason: string;
  /** Present when the session gave up. */
  error?: Error;
}

/** The session's events and their listener arguments (ws-style positional arguments). */
export interface ResilientWebSocketEventMap {
  open: [];
  message: [data: RawData, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  reconnecting: [info: ReconnectingInfo];
  reconnected: [info: ReconnectedInfo];
  giveup: [info: GiveUpInfo];
}
