import type { SimulatorPhase, SimulatorTransport } from './endpoint-kinds.js';

// Every type that can name an endpoint takes the endpoint id type `E`: plain `string` for the simulator's
// machinery (which the vendor modules' types reach, so it must not depend on the registry of vendors), the
// precise `SimulatorEndpoint` union in `vendor-resilience/testing`'s public aliases (index.ts).

/** Which requests or connections a fault applies to; every given field must match (none given = all). */
export interface FaultMatch<E extends string = string> {
  /** One endpoint id or a list of them (e.g. `'zenhire.submit'`). */
  endpoint?: E | readonly E[] | undefined;
  /** `submit`, `poll` or `stream` (WebSocket sessions). */
  phase?: SimulatorPhase | undefined;
  /** `http` or `ws`. */
  transport?: SimulatorTransport | undefined;
}

/** Scheduling fields every fault shares. */
export interface FaultSchedule<E extends string = string> {
  /** Which requests it applies to (default: all). */
  match?: FaultMatch<E> | undefined;
  /** Let this many matching requests through untouched before the fault may fire (default 0). */
  after?: number | undefined;
  /** Fire at most this many times (default: unlimited). */
  times?: number | undefined;
  /** Fire with this probability in [0, 1], drawn from the plan's seeded RNG (default 1). */
  probability?: number | undefined;
}

/** Fields shared by faults that answer with the vendor's error envelope. */
export interface ErrorReplyFields {
  /** The vendor's own code (Breeze `RATE_LIMITED`, ZenHire `SERVICE_WARMING_UP`, Gradium `1011`, ELSA exception name). */
  code?: string | undefined;
  /** Human-readable message placed in the envelope (default: the vendor's documented text). */
  message?: string | undefined;
  /** Send a `Retry-After` header when a wait is known (default true; Audixa documents none). */
  sendRetryAfterHeader?: boolean | undefined;
}

/** Token-bucket rate limit: beyond `burst` plus `tokensPerSecond`, answer 429 with the vendor's envelope. */
export interface RateLimitFault<E extends string = string> extends FaultSchedule<E>, ErrorReplyFields {
  kind: 'rate-limit';
  /** Refill rate. */
  tokensPerSecond: number;
  /** Bucket size: requests allowed back to back (an integer ≥ 1). */
  burst: number;
  /** A fixed wait to announce; default: seconds until the next token, rounded up. */
  retryAfterSeconds?: number | undefined;
}

/** 503 for a window of (simulator clock) time measured from the simulator's start. */
export interface WarmUpFault<E extends string = string> extends FaultSchedule<E>, ErrorReplyFields {
  kind: 'warm-up';
  /** Window start, relative to the simulator's start (default 0). */
  startMs?: number | undefined;
  /** Window length. */
  durationMs: number;
  /** Wait announced in `Retry-After` and the body (default 30, ZenHire's documented lower bound). */
  retryAfterSeconds?: number | undefined;
}

/** An error answer by code (an "error burst" with `times`, or random with `probability`). */
export interface ErrorFault<E extends string = string> extends FaultSchedule<E>, ErrorReplyFields {
  kind: 'error';
  /** HTTP status; default: the status the vendor documents for `code`, else 500. */
  status?: number | undefined;
  /** Wait to announce (header and, where the vendor has one, body field). */
  retryAfterSeconds?: number | undefined;
  /** Send this body verbatim instead of the envelope (e.g. Gradium's raw proxy text). */
  rawBody?: string | undefined;
}

/** After a 200 streamed (NDJSON) response has sent `afterLines` lines, send the vendor's error line and end. */
export interface StreamErrorFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'stream-error';
  /** Good lines before the error line. */
  afterLines: number;
  /** Error message text. */
  message?: string | undefined;
}

/** After the server has sent `afterMessages` messages on a WebSocket, send the vendor's error message and close. */
export interface WsErrorFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'ws-error';
  /** Server messages (text or binary) sent before the error. */
  afterMessages: number;
  /** Close code (1011 internal, 1008 policy, 1003 payload); one a server can send, so not 1005/1006/1015. */
  closeCode: number;
  /** Error message text. */
  message?: string | undefined;
}

/** Refuse the WebSocket upgrade with an HTTP status (401, 403, 429, 503 …). */
export interface RejectUpgradeFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'reject-upgrade';
  /** HTTP status of the refusal. */
  status: number;
  /** Sent as `Retry-After`. */
  retryAfterSeconds?: number | undefined;
  /** Response body (default: the status text). */
  body?: string | undefined;
}

/**
 * Hold the answer for `delayMs` on the simulator's clock: real time with the system clock (keep it
 * small), simulated time with a manual clock (it waits until the clock passes it).
 */
export interface LatencyFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'latency';
  /** Added delay before the request is handled. */
  delayMs: number;
}

/**
 * Destroy the socket: `before-response` sends nothing (HTTP and WS upgrades); `mid-response` sends the
 * status line and part of the body (HTTP) or `afterMessages` messages (WS), then cuts the connection.
 */
export interface DropFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'drop';
  /** When to cut the connection. */
  when: 'before-response' | 'mid-response';
  /** WS only, with `mid-response`: server messages sent before the cut (default 1). */
  afterMessages?: number | undefined;
}

/** The async job created by a matching submit ends `failed` instead of completing. */
export interface JobFailureFault<E extends string = string> extends FaultSchedule<E> {
  kind: 'job-failure';
  /** The vendor's failure code (ZenHire `TRANSCRIPTION_FAILED`, Breeze `GENERATION_FAILED`). */
  code?: string | undefined;
  /** The failure text (Audixa `error_message`, Breeze `detail`, ZenHire `message`). */
  message?: string | undefined;
}

/** One scheduled failure. */
export type Fault<E extends string = string> =
  | RateLimitFault<E>
  | WarmUpFault<E>
  | ErrorFault<E>
  | StreamErrorFault<E>
  | WsErrorFault<E>
  | RejectUpgradeFault<E>
  | LatencyFault<E>
  | DropFault<E>
  | JobFailureFault<E>;

/** Every fault kind. */
export type FaultKind = Fault['kind'];

/** An ordered list of faults. For each request the faults are checked in order (see docs/testing.md, "Fault-plan format"). */
export interface FaultPlan<E extends string = string> {
  /** Seed for `probability` draws (default 1). */
  seed?: number | undefined;
  /** The faults, in priority order. */
  faults: readonly Fault<E>[];
}
