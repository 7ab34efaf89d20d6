import type { HeaderValue, Phase, Signal, Transport } from './types.js';

/** A signal that does not fit the Signal contract; the message names the field and the problem. */
export class SignalError extends Error {
  /** Marker for cross-realm checks. */
  readonly isSignalError = true;
  override readonly name = 'SignalError';
  constructor(
    /** The offending field, or empty for the whole signal. */
    readonly field: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(field === '' ? `signal: ${problem}` : `signal.${field}: ${problem}`);
  }
}

/** Whether `value` is a {@link SignalError}, also one from another copy of this package. */
export function isSignalError(value: unknown): value is SignalError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isSignalError?: unknown }).isSignalError === true
  );
}

const SIGNAL_FIELDS: ReadonlySet<string> = new Set([
  'vendor',
  'transport',
  'phase',
  'status',
  'headers',
  'body',
  'streamLine',
  'message',
  'closeCode',
  'error',
  'attempt',
]);
const TRANSPORTS = new Set<Transport>(['http', 'ws']);
const PHASES = new Set<Phase>(['submit', 'poll', 'stream']);

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'undefined'
    ? `${typeof value === 'object' ? 'an object' : 'undefined'}`
    : `a ${typeof value}`;
}

/** A short rendering of a bad value for an error message (never throws, e.g. on BigInt). */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SignalError(field, `must be an integer from ${min} to ${max} (got ${show(value)})`);
  }
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw new SignalError(field, `must be a string (got ${describeType(value)})`);
  return value;
}

function headers(value: unknown): Record<string, HeaderValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignalError(
      'headers',
      `must be an object of header names to values (got ${describeType(value)})`,
    );
  }
  // Checked in place rather than copied: the engine only reads headers, and this runs per response.
  for (const name in value) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
    const v = (value as Record<string, unknown>)[name];
    if (v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) continue;
    throw new SignalError(
      `headers.${name}`,
      `must be a string, a number or an array of strings (got ${describeType(v)})`,
    );
  }
  return value as Record<string, HeaderValue>;
}

/**
 * Checks an untrusted value against the Signal contract without copying it, throwing what
 * {@link parseSignal} throws. The engine decides on the checked value itself: it only reads the
 * Signal fields, and a copy per decision is pure overhead.
 */
export function checkSignal(input: unknown): Signal {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SignalError('', `must be a JSON object (got ${describeType(input)})`);
  }
  const raw = input as Record<string, unknown>;
  for (const key in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, key)) continue;
    if (!SIGNAL_FIELDS.has(key)) throw new SignalError(key, 'is not a Signal field');
  }
  const vendor = text(raw['vendor'], 'vendor');
  if (vendor.trim() === '') throw new SignalError('vendor', 'must not be empty');
  const t = raw['transport'];
  if (t !== undefined && !TRANSPORTS.has(t as Transport)) {
    throw new SignalError('transport', `must be "http" or "ws" (got ${show(t)})`);
  }
  const p = raw['phase'];
  if (p !== undefined && !PHASES.has(p as Phase)) {
    throw new SignalError('phase', `must be "submit", "poll" or "stream" (got ${show(p)})`);
  }
  const status = raw['status'];
  if (status !== undefined) integerIn(status, 'status', 100, 599);
  if (raw['headers'] !== undefined) headers(raw['headers']);
  if (raw['body'] !== undefined) text(raw['body'], 'body');
  const streamLine = raw['streamLine'];
  if (streamLine !== undefined) text(streamLine, 'streamLine');
  const message = raw['message'];
  if (message !== undefined) text(message, 'message');
  const closeCode = raw['closeCode'];
  if (closeCode !== undefined) integerIn(closeCode, 'closeCode', 1000, 4999);
  const error = raw['error'];
  if (error !== undefined && text(error, 'error') === '') throw new SignalError('error', 'must not be empty');
  if (raw['attempt'] !== undefined) integerIn(raw['attempt'], 'attempt', 1, Number.MAX_SAFE_INTEGER);
  if (
    status === undefined &&
    streamLine === undefined &&
    message === undefined &&
    closeCode === undefined &&
    error === undefined
  ) {
    throw new SignalError('', 'reports nothing: give status, streamLine, message, closeCode or error');
  }
  if (t !== 'ws' && (message !== undefined || closeCode !== undefined)) {
    throw new SignalError(message !== undefined ? 'message' : 'closeCode', 'needs transport "ws"');
  }
  return raw as unknown as Signal;
}

/**
 * Validates and normalizes an untrusted value into a {@link Signal}: a copy holding only the
 * fields that are set. Throws a {@link SignalError} naming the field for wrong types, unknown
 * fields, or a signal that reports nothing.
 */
export function parseSignal(input: unknown): Signal {
  const raw = checkSignal(input);
  const signal: Signal = { vendor: raw.vendor };
  if (raw.transport !== undefined) signal.transport = raw.transport;
  if (raw.phase !== undefined) signal.phase = raw.phase;
  if (raw.status !== undefined) signal.status = raw.status;
  if (raw.headers !== undefined) signal.headers = raw.headers;
  if (raw.body !== undefined) signal.body = raw.body;
  if (raw.streamLine !== undefined) signal.streamLine = raw.streamLine;
  if (raw.message !== undefined) signal.message = raw.message;
  if (raw.closeCode !== undefined) signal.closeCode = raw.closeCode;
  if (raw.error !== undefined) signal.error = raw.error;
  if (raw.attempt !== undefined) signal.attempt = raw.attempt;
  return signal;
}
