import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../core/engine/types.js';
import type { FaultTarget, SessionFaultByKind } from './fault-scheduler.js';
import type { HttpReplier, HttpReply } from './http-replier.js';
import type { JobStore } from './job-store.js';
import type { WsSession } from './ws-session.js';

// Defined next to the replier that sends it; named here too, where the vendor modules look for their contract.
export type { HttpReply };

/** Why a vendor error answer is being built (picks the vendor's default code and text). */
export type ErrorPurpose = 'error' | 'rate-limit' | 'warm-up' | 'auth' | 'not-found' | 'validation';

/** What to put in a vendor error envelope; unset fields take the vendor's documented defaults. */
export interface ErrorSpec {
  /** HTTP status. */
  status?: number | undefined;
  /** Vendor code. */
  code?: string | undefined;
  /** Message text. */
  message?: string | undefined;
  /** Wait to put in the body where the vendor has a field or text for it. */
  retryAfterSeconds?: number | undefined;
}

/** Settings shared by every vendor module. */
export interface VendorEnvironment {
  /** The simulator's clock. */
  clock: Clock;
  /** Required credential; undefined accepts any (or none). */
  apiKey: string | undefined;
  /** `http://127.0.0.1:<port>`, known once listening. */
  baseUrl(): string;
  /** Async jobs shared by the vendor's submit and poll endpoints. */
  jobs: JobStore;
  /** ZenHire: minimum interval between polls of one id, in simulator-clock ms. */
  minPollIntervalMs: number;
}

/** What an HTTP handler gets. */
export interface HttpContext {
  /** The request URL. */
  url: URL;
  /** Capture groups of the route's path pattern. */
  params: readonly string[];
  /** Request headers. */
  headers: IncomingHttpHeaders;
  /** The whole request body. */
  body: Buffer;
  /** Sends the answer. */
  reply: HttpReplier;
  /** Claims a session fault where the handler can apply it. */
  claim<K extends keyof SessionFaultByKind>(kind: K): SessionFaultByKind[K] | undefined;
  /** The endpoint being served. */
  target: FaultTarget;
}

/** What a WebSocket handler gets. */
export interface WsContext {
  /** The upgrade request URL. */
  url: URL;
  /** Upgrade request headers. */
  headers: IncomingHttpHeaders;
}

/** One HTTP endpoint of a vendor; `E` is the vendor's endpoint ids (its table's keys). */
export interface HttpRoute<E extends string = string> {
  /** Endpoint id. */
  endpoint: E;
  /** HTTP method. */
  method: string;
  /** Path pattern (anchored). */
  path: RegExp;
  /** Produces the answer. */
  handle(context: HttpContext): void;
}

/** One WebSocket endpoint of a vendor; `E` is the vendor's endpoint ids (its table's keys). */
export interface WsRoute<E extends string = string> {
  /** Endpoint id. */
  endpoint: E;
  /** Exact path. */
  path: string;
  /** Runs the session. */
  handle(session: WsSession, context: WsContext): void;
}

/**
 * One simulated vendor: its routes and how it words errors. `E` is its endpoint ids (a vendor module
 * passes its table's keys, so a route naming an endpoint it does not list is a type error); names are
 * plain strings here because the registry of vendors, whence the precise unions come, imports this file's
 * importers.
 */
export interface VendorModule<E extends string = string> {
  /** Vendor name. */
  vendor: string;
  /** HTTP endpoints. */
  httpRoutes: readonly HttpRoute<E>[];
  /** WebSocket endpoints. */
  wsRoutes: readonly WsRoute<E>[];
  /** The vendor's error envelope for `purpose`. */
  errorReply(purpose: ErrorPurpose, spec: ErrorSpec): HttpReply;
  /** The vendor's WebSocket error message (sent before the close). */
  wsErrorMessage(message: string, closeCode: number): string;
  /** The vendor's in-stream error line (NDJSON). */
  streamErrorLine(message: string): string;
  /** Headers the vendor puts on every response (Audixa's X-RateLimit-*). */
  commonHeaders?(): Record<string, string>;
  /**
   * The wait the vendor documents on every answer with this code (ZenHire's 429s and 503, Breeze's
   * GENERATION_NOT_READY): announced when an `error` fault names the code without `retryAfterSeconds`.
   */
  documentedRetryAfterSeconds?(code: string): number | undefined;
}
