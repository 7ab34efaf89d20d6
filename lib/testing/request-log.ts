import type { IncomingMessage } from 'node:http';
import { redactHeaders, redactText, redactUrl } from '../run/redact.js';
import type { Clock } from '../core/engine/types.js';
import type { SimulatorTransport } from './endpoint-kinds.js';
import type { FaultKind } from './fault-plan.js';

/** How the simulator ended a request or connection. */
export type RecordedOutcome =
  | 'pending'
  | 'responded'
  | 'dropped-before-response'
  | 'dropped-mid-response'
  | 'upgrade-rejected'
  | 'ws-open'
  | 'ws-closed';

/** One WebSocket message the simulator received from the client. */
export interface RecordedWsMessage {
  /** Simulator-clock time of arrival. */
  atMs: number;
  /** Text frames are kept (credentials redacted); binary frames only by size. */
  text?: string | undefined;
  /** Size in bytes. */
  bytes: number;
}

/**
 * Everything the simulator saw and did for one HTTP request or WebSocket connection; `E` is the endpoint
 * id type (a string here, below the registry of vendors; precise in the public alias, index.ts).
 */
export interface RecordedRequest<E extends string = string> {
  /** 1-based arrival order. */
  sequence: number;
  /** `http` or `ws` (a WebSocket upgrade). */
  transport: SimulatorTransport;
  /** The endpoint id, or undefined when no route matched (answered 404). */
  endpoint: E | undefined;
  /** HTTP method. */
  method: string;
  /** Path and query, with credential query parameters redacted. */
  path: string;
  /** Request headers with credential values redacted. */
  headers: Record<string, unknown>;
  /** Request body size in bytes. */
  bodyBytes: number;
  /** Simulator-clock time the request arrived. */
  receivedAtMs: number;
  /** Simulator-clock time the answer was sent (or the connection ended). */
  answeredAtMs?: number | undefined;
  /** HTTP status sent (101 for an accepted upgrade). */
  status?: number | undefined;
  /** The vendor code in the answer, when there was one (`POLL_RATE_LIMITED`, `1011` …). */
  code?: string | undefined;
  /** How it ended. */
  outcome: RecordedOutcome;
  /** Fault kinds that acted on it, in order. */
  faults: FaultKind[];
  /** WebSocket: messages received from the client. */
  wsMessagesReceived: RecordedWsMessage[];
  /** WebSocket: messages the server sent. */
  wsMessagesSent: number;
  /** WebSocket: the close code, when closed. */
  wsCloseCode?: number | undefined;
}

/** Keeps the ordered list of {@link RecordedRequest}s; `E` is the endpoint id type. */
export class RequestLog<E extends string = string> {
  private readonly entries: RecordedRequest<E>[] = [];

  /** @param secrets credentials to remove wherever they appear (the simulator's `apiKey`), besides the named ones. */
  constructor(
    private readonly clock: Clock,
    private readonly secrets: readonly string[] = [],
  ) {}

  /** Starts a record for an arriving request. */
  begin(transport: SimulatorTransport, endpoint: E | undefined, req: IncomingMessage): RecordedRequest<E> {
    const entry: RecordedRequest<E> = {
      sequence: this.entries.length + 1,
      transport,
      endpoint,
      method: req.method ?? 'GET',
      path: redactText(redactedPath(req.url ?? '/'), this.secrets),
      headers: this.withoutSecrets(redactHeaders(req.headers as Record<string, unknown>) ?? {}),
      bodyBytes: 0,
      receivedAtMs: this.clock.now(),
      outcome: 'pending',
      faults: [],
      wsMessagesReceived: [],
      wsMessagesSent: 0,
    };
    this.entries.push(entry);
    return entry;
  }

  /** Marks a record answered. */
  finish(entry: RecordedRequest, outcome: RecordedOutcome, status?: number, code?: string): void {
    entry.outcome = outcome;
    entry.answeredAtMs = this.clock.now();
    if (status !== undefined) entry.status = status;
    if (code !== undefined) entry.code = code;
  }

  /** Adds a received WebSocket message to a record. */
  addWsMessage(entry: RecordedRequest, data: Buffer, isBinary: boolean): void {
    const message: RecordedWsMessage = { atMs: this.clock.now(), bytes: data.length };
    if (!isBinary) message.text = redactText(data.toString('utf8'), this.secrets);
    entry.wsMessagesReceived.push(message);
  }

  /** Header values with the known secrets removed (a credential sent under a name no list knows). */
  private withoutSecrets(headers: Record<string, unknown>): Record<string, unknown> {
    if (this.secrets.length === 0) return headers;
    const scrub = (value: unknown): unknown =>
      typeof value === 'string'
        ? redactText(value, this.secrets)
        : Array.isArray(value)
          ? value.map(scrub)
          : value;
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, scrub(value)]));
  }

  /** A snapshot of every record so far, in arrival order. */
  list(): readonly RecordedRequest<E>[] {
    return this.entries.map((entry) => structuredClone(entry));
  }
}

/** Path and query with credential parameters redacted; a target no URL parser accepts is kept as text, redacted. */
function redactedPath(target: string): string {
  const base = 'http://simulator.invalid';
  if (!URL.canParse(target, base)) return redactText(target);
  const redacted = redactUrl(new URL(target, base));
  // An absolute-form target (a proxy's `GET http://host/…`) keeps its own origin.
  return redacted.startsWith(`${base}/`) ? redacted.slice(base.length) : redacted;
}
