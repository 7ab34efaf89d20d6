/**
 * What a caller configures about WebSocket sessions: the options of `createResilientWebSocket`
 * and the types its per-connection callbacks see, the scheduler that runs the reconnect waits,
 * the `messageTypeIs` ready predicate, and the validation that turns options into the settings
 * (every default filled in) a session runs on.
 */
import type { ClientOptions, RawData, WebSocket } from 'ws';
import type { Engine } from '../../core/engine/engine.js';
import type { Clock } from '../../core/engine/types.js';
import type { Pacing } from '../../pacing/pacing.js';
import { startTimer, timeSourceOf } from '../../run/time-source.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';

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

/** Runs the waits a session decides on. Tests inject one to observe the waits without spending them. */
export interface Scheduler {
  /** Calls `callback` after `delayMs` milliseconds; returns a handle for {@link Scheduler.clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a pending callback; a no-op for one that already ran. */
  clearTimeout(handle: unknown): void;
}

/**
 * Real timers. The reconnect wait keeps the process alive on purpose: a session waiting to
 * reconnect is still in use, just as an open socket is. `close()` clears it.
 */
export const realScheduler: Scheduler = {
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A scheduler on a clock's own `sleep` (the reconnect waits then pass with that clock's time). */
function clockScheduler(clock: Clock): Scheduler {
  const time = timeSourceOf(clock);
  return {
    setTimeout: (callback, delayMs) => startTimer(time, callback, delayMs),
    clearTimeout: (handle) => (handle as () => void)(),
  };
}

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

/**
 * A ready predicate for JSON protocols: true for a text message whose `type` is one of `types`
 * (Gradium: `messageTypeIs('ready')`; ELSA scripted: `messageTypeIs('ELSA:start_stream_result')`).
 */
export function messageTypeIs(...types: readonly string[]): (data: unknown, isBinary: boolean) => boolean {
  const check = new ArgumentCheck('messageTypeIs');
  types.forEach((type, index) => check.that(typeof type === 'string', `types[${index}]`, 'a string', type));
  const wanted = new Set(types);
  return (data, isBinary) => {
    if (isBinary || typeof data !== 'string' || !data.includes('"type"')) return false;
    try {
      const parsed: unknown = JSON.parse(data);
      const type =
        typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
      return typeof type === 'string' && wanted.has(type);
    } catch {
      return false;
    }
  };
}

/** {@link ResilientWebSocketOptions} with every default filled in and every number checked. */
export interface SessionSettings {
  url: ResilientWebSocketOptions['url'];
  headers: ResilientWebSocketOptions['headers'];
  protocols: ResilientWebSocketOptions['protocols'];
  setup: ResilientWebSocketOptions['setup'];
  isReady: ResilientWebSocketOptions['isReady'];
  replay: boolean;
  maxBufferedMessages: number;
  maxBufferedBytes: number;
  stableAfterMs: number;
  closeAfterErrorMs: number;
  /** Upgrade + setup + ready must finish within this many milliseconds; 0 = no bound. */
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  maxUpgradeBodyBytes: number;
  /** How long to wait for a rejected upgrade's body, in milliseconds. */
  upgradeBodyTimeoutMs: number;
  secrets: readonly string[];
  clock: Clock;
  scheduler: Scheduler;
  wsOptions: ResilientWebSocketOptions['wsOptions'];
  binaryType: WebSocket['binaryType'];
}

function count(
  options: ResilientWebSocketOptions,
  name: keyof ResilientWebSocketOptions,
  fallback: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `createResilientWebSocket: option "${name}" must be a finite number ≥ 0 (got ${String(value)})`,
    );
  }
  return value;
}

/** Validates options and fills in defaults; a `TypeError` names the offending option. */
export function resolveSettings(options: ResilientWebSocketOptions): SessionSettings {
  const check: ArgumentCheck = new ArgumentCheck('createResilientWebSocket');
  check.object('options', options, 'an options object with at least `url`');
  const { url, headers, protocols, wsOptions } = options;
  check.that(
    typeof url === 'string' || typeof url === 'function' || url instanceof URL,
    'options.url',
    'a string, a URL or a function returning one',
    url,
  );
  // Header values are credentials: the message says only what type the option was.
  check.that(
    headers === undefined ||
      typeof headers === 'function' ||
      (typeof headers === 'object' && headers !== null),
    'options.headers',
    'a headers object, a function returning one, or undefined',
    headers,
  );
  check.that(
    protocols === undefined ||
      typeof protocols === 'string' ||
      (Array.isArray(protocols) && protocols.every((p) => typeof p === 'string')),
    'options.protocols',
    'a string, an array of strings or undefined',
    protocols,
  );
  check.options('options.wsOptions', wsOptions);
  for (const name of ['setup', 'isReady', 'random'] as const)
    check.function(`options.${name}`, options[name]);
  check.boolean('options.replay', options.replay);
  check.signal('options.signal', options.signal);
  check.strings('options.secrets', options.secrets);
  check.clock('options.clock', options.clock);
  check.engine('options.engine', options.engine);
  check.string('options.pacingKey', options.pacingKey);
  const { scheduler } = options;
  check.that(
    scheduler === undefined ||
      (typeof scheduler === 'object' &&
        scheduler !== null &&
        typeof scheduler.setTimeout === 'function' &&
        typeof scheduler.clearTimeout === 'function'),
    'options.scheduler',
    'a scheduler ({ setTimeout, clearTimeout }) or undefined',
    scheduler,
  );
  return {
    url,
    headers: options.headers,
    protocols: options.protocols,
    setup: options.setup,
    isReady: options.isReady,
    replay: options.replay === true,
    maxBufferedMessages: count(options, 'maxBufferedMessages', 1000),
    maxBufferedBytes: count(options, 'maxBufferedBytes', 4 * 1024 * 1024),
    stableAfterMs: count(options, 'stableAfterMs', 5000),
    closeAfterErrorMs: count(options, 'closeAfterErrorMs', 5000),
    connectTimeoutMs: count(options, 'connectTimeoutMs', 15_000),
    closeTimeoutMs: count(options, 'closeTimeoutMs', 5000),
    maxUpgradeBodyBytes: count(options, 'maxUpgradeBodyBytes', 64 * 1024),
    upgradeBodyTimeoutMs: 2000,
    secrets: options.secrets ?? [],
    clock: options.clock ?? { now: () => Date.now() },
    // A clock that can wait (a manual test clock) runs the reconnect waits too: one time source.
    scheduler: options.scheduler ?? (options.clock?.sleep ? clockScheduler(options.clock) : realScheduler),
    wsOptions: options.wsOptions,
    binaryType: 'nodebuffer',
  };
}
