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

const FIELDS = new Set([
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
 * Validates and normalizes an untrusted value into a {@link Signal}. Throws a {@link SignalError}
 * naming the field for wrong types, unknown fields, or a signal that reports nothing.
 */
export function parseSignal(input: unknown): Signal {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SignalError('', `must be a JSON object (got ${describeType(input)})`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!FIELDS.has(key)) throw new SignalError(key, 'is not a Signal field');
  }
  const vendor = text(raw['vendor'], 'vendor');
  if (vendor.trim() === '') throw new SignalError('vendor', 'must not be empty');
  const signal: Signal = { vendor };
  const t = raw['transport'];
  if (t !== undefined) {
    if (!TRANSPORTS.has(t as Transport))
      throw new SignalError('transport', `must be "http" or "ws" (got ${show(t)})`);
    signal.transport = t as Transport;
  }
  const p = raw['phase'];
  if (p !== undefined) {
    if (!PHASES.has(p as Phase)) {
      throw new SignalError('phase', `must be "submit", "poll" or "stream" (got ${show(p)})`);
    }
    signal.phase = p as Phase;
  }
  if (raw['status'] !== undefined) signal.status = integerIn(raw['status'], 'status', 100, 599);
  if (raw['headers'] !== undefined) signal.headers = headers(raw['headers']);
  if (raw['body'] !== undefined) signal.body = text(raw['body'], 'body');
  if (raw['streamLine'] !== undefined) signal.streamLine = text(raw['streamLine'], 'streamLine');
  if (raw['message'] !== undefined) signal.message = text(raw['message'], 'message');
  if (raw['closeCode'] !== undefined) signal.closeCode = integerIn(raw['closeCode'], 'closeCode', 1000, 4999);
  if (raw['error'] !== undefined) {
    signal.error = text(raw['error'], 'error');
    if (signal.error === '') throw new SignalError('error', 'must not be empty');
  }
  if (raw['attempt'] !== undefined)
    signal.attempt = integerIn(raw['attempt'], 'attempt', 1, Number.MAX_SAFE_INTEGER);
  if (
    signal.status === undefined &&
    signal.streamLine === undefined &&
    signal.message === undefined &&
    signal.closeCode === undefined &&
    signal.error === undefined
  ) {
    throw new SignalError('', 'reports nothing: give status, streamLine, message, closeCode or error');
  }
  if (signal.transport !== 'ws' && (signal.message !== undefined || signal.closeCode !== undefined)) {
    throw new SignalError(signal.message !== undefined ? 'message' : 'closeCode', 'needs transport "ws"');
  }
  return signal;
}
