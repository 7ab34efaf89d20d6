import type { CompiledPolicy } from '../policy/compiled.js';
import type { Observation } from './envelope.js';
import { largestHeaderNumber, type HeaderReader } from './headers.js';
import type { DelaySource, Signal } from './types.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';

/** A wait the server asked for, and where it said so. */
export interface ServerWait {
  ms: number;
  source: Exclude<DelaySource, 'computed' | 'none'>;
  /** For people, as a reason says it: `as the Retry-After header asked`. */
  how: string;
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['millisecond', 1],
  ['milliseconds', 1],
  ['s', 1000],
  ['sec', 1000],
  ['secs', 1000],
  ['second', 1000],
  ['seconds', 1000],
  ['m', 60_000],
  ['min', 60_000],
  ['mins', 60_000],
  ['minute', 60_000],
  ['minutes', 60_000],
]);

/** "retry after 30 seconds", "try again in 2.5 s", "wait 1 minute" (group 1 = number, group 2 = unit). */
const BUILTIN_MESSAGE_WAIT =
  /(?:retry|try again|wait)\s+(?:after|in|for)?\s*(\d{1,9}(?:\.\d{1,6})?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b/i;

/**
 * The longest wait a server can ask for (about 285 years). A longer one (`Retry-After:
 * 9999999999999`) is read as this: a wait beyond any policy's cap, which the policy then fails or
 * clamps. It is not malformed: the server clearly asked not to come back soon.
 */
const MAX_WAIT_MS = Math.floor(2 ** 53 / 1000);

const DELTA_SECONDS = /^\s*\d+(?:\.\d{1,6})?\s*$/;

/**
 * Parses one `Retry-After` value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns
 * milliseconds from `nowMs`, or `undefined` for a malformed, negative or past value.
 */
export function parseRetryAfterMs(value: string, nowMs: number): number | undefined {
  if (typeof value !== 'string' || !Number.isFinite(nowMs)) {
    const check: ArgumentCheck = new ArgumentCheck('parseRetryAfterMs');
    // A header value is the server's, not a credential, but only its length is needed here.
    check.string('value', value, true);
    check.that(Number.isFinite(nowMs), 'nowMs', 'a finite number (milliseconds since the epoch)', nowMs);
  }
  // Number() skips the same surrounding whitespace the pattern allows, so it reads the digits alone;
  // test() spares building a match for a value read on nearly every 429 and 503.
  if (DELTA_SECONDS.test(value)) return seconds(Number(value));
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

/** `Retry-After`: delta-seconds or an HTTP-date. */
const readRetryAfter: HeaderReader = parseRetryAfterMs;

/** `retry-after-ms`: a plain number of milliseconds. */
const readRetryAfterMs: HeaderReader = (v) =>
  DELTA_SECONDS.test(v) ? Math.min(Math.round(Number(v)), MAX_WAIT_MS) : undefined;

/** A rate-limit reset header: the Unix time (seconds) the window reopens, as a wait from now. */
const readResetAt: HeaderReader = (v, nowMs) => {
  const epochS = DELTA_SECONDS.test(v) ? Number(v) : NaN;
  const ms = epochS * 1000 - nowMs;
  return ms >= 0 ? Math.min(Math.ceil(ms), MAX_WAIT_MS) : undefined;
};

/** Whether any value of the header is a number above zero (requests left in the window). */
const readAboveZero: HeaderReader = (v) => (Number(v) > 0 ? 1 : undefined);

function fromHeaders(
  policy: CompiledPolicy,
  signal: Signal,
  headers: NonNullable<Signal['headers']>,
  nowMs: number,
): ServerWait | undefined {
  const retryAfter = largestHeaderNumber(headers, 'retry-after', readRetryAfter, nowMs);
  if (retryAfter !== undefined)
    return { ms: retryAfter, source: 'header', how: 'as the Retry-After header asked' };
  const retryAfterMs = largestHeaderNumber(headers, 'retry-after-ms', readRetryAfterMs, nowMs);
  if (retryAfterMs !== undefined) {
    return { ms: retryAfterMs, source: 'header', how: 'as the retry-after-ms header asked' };
  }
  const reset = policy.serverWait.resetHeader;
  if (reset === undefined || signal.status !== 429) return undefined;
  // A window reset is a wait only when the window is spent; with requests left, the 429 has another cause.
  const remaining = policy.serverWait.remainingHeader;
  if (
    remaining !== undefined &&
    largestHeaderNumber(headers, remaining, readAboveZero, nowMs) !== undefined
  ) {
    return undefined;
  }
  const resetMs = largestHeaderNumber(headers, reset, readResetAt, nowMs);
  return resetMs === undefined
    ? undefined
    : { ms: resetMs, source: 'header', how: `as the ${reset} header asked` };
}

function seconds(value: number | undefined): number | undefined {
  if (value === undefined || Number.isNaN(value) || value < 0) return undefined;
  return Math.min(Math.round(value * 1000), MAX_WAIT_MS);
}

/** A unit as a message writes it, in milliseconds (seconds when there is none or it is unknown). */
function unitMs(written: string | undefined): number {
  return (written === undefined ? undefined : UNIT_MS.get(written.toLowerCase())) ?? 1000;
}

function toWaitMs(number: string, unit: number): number | undefined {
  const ms = Math.round(Number(number) * unit);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_WAIT_MS ? ms : undefined;
}

function fromMessage(policy: CompiledPolicy, message: string | undefined): number | undefined {
  if (message === undefined) return undefined;
  const text = message.length > 2048 ? message.slice(0, 2048) : message;
  for (const pattern of policy.serverWait.messagePatterns) {
    const m = pattern.exec(text);
    if (!m) continue;
    const ms = toWaitMs(m[1] as string, unitMs(m[2]));
    if (ms !== undefined) return ms;
  }
  const m = BUILTIN_MESSAGE_WAIT.exec(text);
  return m ? toWaitMs(m[1] as string, unitMs(m[2])) : undefined;
}

/**
 * The wait the server asked for, by docs/design.md rule 2's precedence: `Retry-After` header (also
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
  if (signal.headers !== undefined) {
    const header = fromHeaders(policy, signal, signal.headers, nowMs);
    if (header !== undefined) return header;
  }
  if (obs === undefined) return undefined;
  // The larger of the two body fields (a poll may carry both).
  let body = seconds(obs.retryAfterSeconds);
  if (forPoll) {
    const poll = seconds(obs.pollIntervalSeconds);
    if (poll !== undefined && (body === undefined || poll > body)) body = poll;
  }
  if (body !== undefined) return { ms: body, source: 'body', how: 'as the response body asked' };
  const message = fromMessage(policy, obs.message);
  if (message !== undefined) return { ms: message, source: 'message', how: 'as the error message asked' };
  return undefined;
}
