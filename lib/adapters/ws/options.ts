/**
 * What a caller configures about WebSocket sessions: the options of `createResilientWebSocket`
 * and the types its per-connection callbacks see, the `messageTypeIs` ready predicate, and the
 * validation that turns options into the settings (every default filled in) a session runs on.
 */
import type { ClientOptions, RawData, WebSocket } from 'ws';
import type { Engine } from '../../core/engine/engine.js';
import type { Clock } from '../../core/engine/types.js';
import type { Pacing } from '../../pacing/pacing.js';
import type { DecisionEvent } from '../../run/run-options.js';
import { checkTelemetryOption, type TelemetryOptions } from '../../run/telemetry.js';
import { timeSourceOf, type TimeSource } from '../../run/time-source.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';

/** What `send` accepts: text, or binary as a Buffer, ArrayBuffer, typed-array view or Blob (ws reads a Blob before sending it). */
export type OutgoingData = string | Buffer | ArrayBuffer | ArrayBufferView | Blob;

/** `send`'s options, as ws's `send(data, options, cb)` takes them (passed on to the socket that sends it). */
export interface SendOptions {
  binary?: boolean | undefined;
  compress?: boolean | undefined;
  fin?: boolean | undefined;
  mask?: boolean | undefined;
}

/**
 * `send`'s callback: called once the message is written, or with the error that kept it from being
 * sent. Typed as ws types it, so code written for ws passes its callbacks unchanged (the socket
 * may call it with `null` once written, as ws's does).
 */
export type SendCallback = (error?: Error) => void;

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
  headers?: PerConnection<Readonly<Record<string, string>>> | undefined;
  /** WebSocket subprotocols. */
  protocols?: string | readonly string[] | undefined;
  /**
   * The session setup message, built anew for every connection and sent first on it, before any
   * buffered or replayed message. Return `undefined` for protocols without one.
   */
  setup?:
    | ((context: ConnectionContext) => SetupMessage | undefined | Promise<SetupMessage | undefined>)
    | undefined;
  /**
   * When given, buffered messages are held back after the setup until a server message satisfies
   * this predicate (Gradium's `ready`). Text messages arrive as strings.
   */
  isReady?: ((data: string | RawData, isBinary: boolean) => boolean) | undefined;
  /**
   * Replay every message sent since the session started (or since the session's `clearReplay()`)
   * on each new connection, for vendors that cannot resume a session. Default false.
   */
  replay?: boolean | undefined;
  /** Most messages held for a later connection (buffered, or kept for replay). Default 1000. */
  maxBufferedMessages?: number | undefined;
  /** Most bytes held for a later connection. Default 4 MiB. */
  maxBufferedBytes?: number | undefined;
  /**
   * How long a connection counts as healthy before a failure starts a fresh run of attempts, in
   * milliseconds. Until then, failures add up against the engine's attempt cap. Default 5000.
   */
  stableAfterMs?: number | undefined;
  /** How long to wait for the server to close after it sent an error message. Default 5000. */
  closeAfterErrorMs?: number | undefined;
  /**
   * How long one connection may take to come up, in milliseconds: the upgrade, the setup
   * callback and (with `isReady`) the vendor's ready message. Past it the connection is dropped
   * and the engine hears a timed-out connection (`ETIMEDOUT`), which the built-in policies answer
   * with a reconnect after backoff. A server that accepts the socket and then says nothing would
   * otherwise hold the session in CONNECTING forever. Default 15000; 0 turns it off.
   */
  connectTimeoutMs?: number | undefined;
  /** How long `close()` waits for the closing handshake before dropping the socket. Default 5000. */
  closeTimeoutMs?: number | undefined;
  /** Most bytes of a rejected upgrade's body read for the engine. Default 64 KiB. */
  maxUpgradeBodyBytes?: number | undefined;
  /** Aborting closes every session of this factory. */
  signal?: AbortSignal | undefined;
  /** Credentials to remove from errors besides those found in the URL and headers. */
  secrets?: readonly string[] | undefined;
  /** The engine that decides; by default one over `policy` with `clock` and `random`. */
  engine?: Engine | undefined;
  /**
   * The session's one time source: the engine, the stability window, the reconnect waits and
   * every connection's deadlines (connect, close after an error, closing handshake, a refused
   * upgrade's body) run on it, as the other adapters' waits do. A clock with `sleep` (the manual
   * clock of `vendor-resilience/testing`) runs the waits too; one with only `now()` waits on real
   * timers. The system clock when omitted.
   */
  clock?: Clock | undefined;
  /** Randomness for the engine's jitter, in [0, 1). */
  random?: (() => number) | undefined;
  /**
   * How long the session may go on reconnecting without a stable connection, in milliseconds:
   * counted from the session's start, and again from the end of every connection that stayed up
   * `stableAfterMs`. A reconnect whose wait cannot end before then is not started: the session
   * gives up with a `VendorError` (action `fail`) whose reason says so. A long-lived session has no
   * overall deadline: a connection that is up is never cut by this. No bound by default.
   */
  deadlineMs?: number | undefined;
  /**
   * Receives every decision the session acts on (never a credential): the engine's decision about
   * how each connection ended (reconnect, end cleanly, or the `fail` it gives up with), the same
   * `DecisionEvent` the HTTP adapter reports, with one `callId` for the whole session. Decisions
   * about messages that need no action are not reported. Exceptions it throws are ignored.
   */
  onDecision?: ((event: DecisionEvent) => void) | undefined;
  /**
   * One observability hook, as the HTTP adapter's: OpenTelemetry metrics and span events, a
   * pino-style logger, and `waiting` progress lines during long reconnect waits (docs/telemetry.md).
   */
  telemetry?: TelemetryOptions | undefined;
  /** Further `ws` client options (handshake timeout, compression, agent, …). */
  wsOptions?: Omit<ClientOptions, 'headers'> | undefined;
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
  pacing?: Pacing | false | undefined;
  /**
   * The credential pacing keys this session by (an API key or account id). By default the first
   * credential on the first connection; set it when the URL carries a token minted per connection
   * (Gradium browser tokens), so every session of one account shares the vendor's pacer.
   */
  pacingKey?: string | undefined;
}

/** Options for one session opened by the factory. */
export interface OpenSessionOptions {
  /** Aborting closes this session. */
  signal?: AbortSignal | undefined;
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
  /** The `clock` option as the session's time source (its waits and deadlines). */
  time: TimeSource;
  /** See {@link ResilientWebSocketOptions.deadlineMs}. */
  deadlineMs: number | undefined;
  pacingKey: string | undefined;
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
  check.function('options.onDecision', options.onDecision);
  checkTelemetryOption(check, options.telemetry);
  const { deadlineMs } = options;
  check.that(
    deadlineMs === undefined ||
      (typeof deadlineMs === 'number' && Number.isFinite(deadlineMs) && deadlineMs > 0),
    'options.deadlineMs',
    'a positive number of milliseconds or undefined',
    deadlineMs,
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
    time: timeSourceOf(options.clock),
    deadlineMs,
    pacingKey: options.pacingKey,
    wsOptions: options.wsOptions,
    binaryType: 'nodebuffer',
  };
}
