import type { CompiledPolicy } from '../policy/compiled.js';
import type { Observation } from './envelope.js';
import { headerValues } from './headers.js';
import type { DelaySource, Signal } from './types.js';

/** A wait the server asked for, and where it said so. */
export interface ServerWait {
  ms: number;
  source: Exclude<DelaySource, 'computed' | 'none'>;
  /** For people: which header or field carried it (`Retry-After header`, `x-ratelimit-reset header`). */
  via: string;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
};

/** "retry after 30 seconds", "try again in 2.5 s", "wait 1 minute" (group 1 = number, group 2 = unit). */
const BUILTIN_MESSAGE_WAIT =
  /(?:retry|try again|wait)\s+(?:after|in|for)?\s*(\d{1,9}(?:\.\d{1,6})?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b/i;

/** Waits beyond this are nonsense (about 285 years), not a server's request; treated as malformed. */
const MAX_WAIT_MS = 2 ** 53 / 1000;

const DELTA_SECONDS = /^\s*(\d{1,12}(?:\.\d{1,6})?)\s*$/;

/**
 * Parses one `Retry-After` value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns
 * milliseconds from `nowMs`, or `undefined` for a malformed, negative or past value.
 */
export function parseRetryAfterMs(value: string, nowMs: number): number | undefined {
  const delta = DELTA_SECONDS.exec(value);
  if (delta) return seconds(Number(delta[1]));
  // Only accept date-shaped text: Date.parse is lenient enough to read "1" or "-5" as a date.
  if (
    !/^\s*[A-Za-z]{3},?\s+\d{1,2}[\s-][A-Za-z]{3}[\s-]\d{2,4}\s+\d{1,2}:\d{2}:\d{2}\s+(GMT|UTC)\s*$/.test(
      value,
    )
  ) {
    return undefined;
  }
  const at = Date.parse(value);
  if (!Number.isFinite(at) || at <= nowMs) return undefined;
  return at - nowMs;
}

function largest(values: Iterable<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || v > best)) best = v;
  return best;
}

function fromHeaders(
  policy: CompiledPolicy,
  signal: Signal,
  nowMs: number,
): { ms: number; via: string } | undefined {
  const retryAfter = largest(
    headerValues(signal.headers, 'retry-after').map((v) => parseRetryAfterMs(v, nowMs)),
  );
  if (retryAfter !== undefined) return { ms: retryAfter, via: 'Retry-After header' };
  const retryAfterMs = largest(
    headerValues(signal.headers, 'retry-after-ms').map((v) => {
      const n = DELTA_SECONDS.exec(v) ? Math.round(Number(v)) : NaN;
      return Number.isFinite(n) && n <= MAX_WAIT_MS ? n : undefined;
    }),
  );
  if (retryAfterMs !== undefined) return { ms: retryAfterMs, via: 'retry-after-ms header' };
  const reset = policy.serverWait.resetHeader;
  if (reset === undefined || signal.status !== 429) return undefined;
  // A window reset is a wait only when the window is spent; with requests left, the 429 has another cause.
  const remaining = policy.serverWait.remainingHeader;
  if (remaining !== undefined && headerValues(signal.headers, remaining).some((v) => Number(v) > 0)) {
    return undefined;
  }
  const resetMs = largest(
    headerValues(signal.headers, reset).map((v) => {
      const epochS = DELTA_SECONDS.exec(v) ? Number(v) : NaN;
      const ms = epochS * 1000 - nowMs;
      return Number.isFinite(ms) && ms >= 0 && ms <= MAX_WAIT_MS ? Math.ceil(ms) : undefined;
    }),
  );
  return resetMs === undefined ? undefined : { ms: resetMs, via: `${reset} header` };
}

function seconds(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value) || value < 0) return undefined;
  const ms = Math.round(value * 1000);
  return ms <= MAX_WAIT_MS ? ms : undefined;
}

function waitIn(pattern: RegExp, text: string): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = UNIT_MS[(m[2] ?? 's').toLowerCase()] ?? 1000;
  const ms = Math.round(n * unit);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_WAIT_MS ? ms : undefined;
}

function fromMessage(policy: CompiledPolicy, message: string | undefined): number | undefined {
  if (message === undefined) return undefined;
  const text = message.length > 2048 ? message.slice(0, 2048) : message;
  for (const pattern of policy.serverWait.messagePatterns) {
    const ms = waitIn(pattern, text);
    if (ms !== undefined) return ms;
  }
  return waitIn(BUILTIN_MESSAGE_WAIT, text);
}

/**
 * The wait the server asked for, by DESIGN.md rule 2's precedence: `Retry-After` header (also
 * `retry-after-ms`, and the policy's rate-limit reset header on 429) > body field
 * (`retryAfterSeconds`; for polls also `pollIntervalSeconds`) > a wait in the message text.
 * Malformed, negative and past values are skipped.
 */
export function serverWait(
  policy: CompiledPolicy,
  signal: Signal,
  obs: Observation | undefined,
  nowMs: number,
  forPoll: boolean,
): ServerWait | undefined {
  const header = fromHeaders(policy, signal, nowMs);
  if (header !== undefined) return { ...header, source: 'header' };
  const body = largest([
    seconds(obs?.retryAfterSeconds),
    forPoll ? seconds(obs?.pollIntervalSeconds) : undefined,
  ]);
  if (body !== undefined) return { ms: body, source: 'body', via: 'response body' };
  const message = fromMessage(policy, obs?.message);
  if (message !== undefined) return { ms: message, source: 'message', via: 'error message' };
  return undefined;
}
