import type { Action, Phase, Transport } from '../engine/types.js';

/** A value or a list of values; a list matches when any element matches. */
export type OneOrMany<T> = T | readonly T[];

/** Which part of a signal an envelope reads. */
export type SignalPart = 'body' | 'streamLine' | 'message';

/** The fields an envelope can extract; each is a list of dotted JSON paths (json) or a named group (text). */
export interface EnvelopeFields {
  code?: readonly string[];
  message?: readonly string[];
  retryAfterSeconds?: readonly string[];
  pollIntervalSeconds?: readonly string[];
  requestId?: readonly string[];
  jobStatus?: readonly string[];
}

/** How to read one shape of vendor payload (the JSON form in a policy file). */
export interface EnvelopeDocument {
  id: string;
  format: 'json' | 'text';
  /** Signal parts this envelope applies to; all three when omitted. */
  in?: readonly SignalPart[];
  /** json: conditions on paths: bare `true` = present (not null); any other value, or a list, = equal to one of them. */
  when?: Readonly<Record<string, boolean | OneOrMany<string | number | boolean>>>;
  /** text: a regular expression; named groups `code`, `message`, `retryAfterSeconds` are extracted. */
  pattern?: string;
  /** json: where each field lives. */
  fields?: EnvelopeFields;
  /** Whether a match means the vendor reported an error (default true); job bodies set false. */
  isError?: boolean;
}

/** Conditions a rule matches on; every given condition must hold. */
export interface RuleMatch {
  transport?: Transport;
  phase?: OneOrMany<Phase>;
  status?: OneOrMany<number>;
  code?: OneOrMany<string>;
  /** Case-insensitive regular expression tested against the vendor's message text. */
  messagePattern?: string;
  envelope?: OneOrMany<string>;
  jobStatus?: OneOrMany<string>;
  closeCode?: OneOrMany<number>;
  error?: OneOrMany<string>;
  /** True: the body was given and is empty (zero bytes). */
  emptyBody?: boolean;
}

/** Computed-backoff settings: exponential growth with jitter, capped. */
export interface BackoffDocument {
  /** First wait before jitter, in milliseconds. */
  baseMs?: number;
  /** Growth per attempt (1 = constant). */
  factor?: number;
  /** Largest wait, in milliseconds. */
  maxMs?: number;
  /** Smallest wait after jitter, in milliseconds. */
  minMs?: number;
  jitter?: 'none' | 'full' | 'equal' | 'decorrelated';
}

/** One rule: conditions, the action, and the documentation it comes from. */
export interface RuleDocument {
  id: string;
  match: RuleMatch;
  action: Action;
  category: string;
  /** A short phrase saying what happened, used in reasons and generated docs. */
  summary: string;
  /** Where the vendor documents this (page and quote, or `[INFER]` with the reasoning). */
  source: string;
  /** Reported code when the vendor's code is only recognisable from text (ELSA exception names). */
  code?: string;
  /** Total tries allowed: a signal from attempt N >= maxAttempts fails as exhausted. */
  maxAttempts?: number;
  backoff?: BackoffDocument;
  /** Extra remarks (conflicts between sources, caveats). */
  note?: string;
}

/** One step of a poll schedule: from `afterMs` of polling on, wait `intervalMs` between polls. */
export interface PollStepDocument {
  afterMs: number;
  intervalMs: number;
}

/** How to poll this vendor's async jobs. */
export interface PollingDocument {
  /** Interval when neither the server nor the schedule gives one, in milliseconds. */
  intervalMs: number;
  /** Never poll the same job faster than this, in milliseconds. */
  minIntervalMs?: number;
  /** Interval schedule by time spent polling (replaces `intervalMs` where it applies). */
  schedule?: readonly PollStepDocument[];
  /** Give up on a job after this long, in milliseconds. */
  deadlineMs: number;
  source: string;
}

/** What to do with server-given waits. */
export interface ServerWaitDocument {
  /** Longest server-given wait honoured, in milliseconds. */
  maxMs?: number;
  /** Beyond `maxMs`: fail (reporting retryAfterMs) or wait `maxMs`. */
  overCap?: 'fail' | 'clamp';
  /** Added jitter as a share of the server's wait, 0–0.2. */
  jitterRatio?: number;
  /** Extra regular expressions that find a wait in message text (group 1 = number, group 2 = unit). */
  messagePatterns?: readonly string[];
  /** A header carrying the Unix time (seconds) when the rate limit resets; read on 429 without Retry-After. */
  resetHeader?: string;
  /** The header with the requests left in the window; when it says more than 0, `resetHeader` is not a wait. */
  remainingHeader?: string;
}

/** Whether a request that may have reached the vendor can be sent again, per phase. */
export type ResendSafety = 'safe' | 'unsafe';

/** The documented limits a limiter starts from. */
export interface LimitsDocument {
  requestsPerMinute?: number;
  maxConcurrent?: number;
  source: string;
}

/** One request of an async job: its method and its path after the base URL. */
export interface JobRequestDocument {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path (and query) starting with `/`; `{voiceId}` (submit) and `{jobId}` (poll) are filled in. */
  path: string;
}

/**
 * The vendor's async-job endpoints, read by `presetJob`. Which states mean pending, done or failed
 * is said by the rules matching `jobStatus`; where the status is, by the envelopes' `jobStatus`.
 */
export interface JobDocument {
  /** The API origin, e.g. `https://api.audixa.ai`; a caller may override it. */
  baseUrl: string;
  submit: JobRequestDocument;
  /** Must name `{jobId}`. */
  poll: JobRequestDocument;
  /** Where the submit reply carries the job id: dotted JSON paths, the first present wins. */
  jobId: readonly string[];
  /** Where the vendor documents these endpoints. */
  source: string;
}

/** A vendor policy file (policies/<vendor>.json). */
export interface PolicyDocument {
  $schema?: string;
  vendor: string;
  title: string;
  docs: readonly string[];
  envelopes: readonly EnvelopeDocument[];
  rules: readonly RuleDocument[];
  defaults?: {
    backoff?: BackoffDocument;
    maxAttempts?: Partial<Record<'retry' | 'backoff' | 'resubmit' | 'reconnect', number>>;
  };
  serverWait?: ServerWaitDocument;
  resendAfterPossibleDelivery?: Partial<Record<Phase, ResendSafety>>;
  polling?: PollingDocument;
  limits?: LimitsDocument;
  job?: JobDocument;
}
