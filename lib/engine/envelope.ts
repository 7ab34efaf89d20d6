import { hasRequiredTokens, type EnvelopeReader, type Path } from './envelope-reader.js';
import { parseJsonSafely, readPath } from './json-path.js';

/**
 * What an envelope read out of one payload. Every field is always present (`undefined` when not
 * found) so all observations share one object shape. The code and job state are read at once
 * (rules are looked up by them); the message and the wait fields only when a decision asks, through
 * {@link messageOf}, {@link retryAfterSecondsOf} and {@link pollIntervalSecondsOf}: most decisions
 * need few of them (a `Retry-After` header outranks them all).
 */
export interface Observation {
  envelope: string;
  isError: boolean;
  code: string | undefined;
  /** Lower-cased job state. */
  jobStatus: string | undefined;
  /** Bits of {@link LAZY} still to read from `root`. */
  pending: number;
  root: unknown;
  reader: EnvelopeReader | undefined;
  /** The last `when` path read and its value: a field at the same path reuses it. */
  seenPath: Path | undefined;
  seenValue: unknown;
  message: string | undefined;
  /** Raw numbers as the vendor wrote them; validated where used. */
  retryAfterSeconds: number | undefined;
  pollIntervalSeconds: number | undefined;
}

const LAZY = { message: 1, retryAfterSeconds: 2, pollIntervalSeconds: 4 } as const;
const ALL_LAZY = LAZY.message | LAZY.retryAfterSeconds | LAZY.pollIntervalSeconds;

/** Bodies longer than this (UTF-16 units) are cut before parsing, so a huge body costs a bounded amount. */
export const MAX_PARSE_CHARS = 64 * 1024;

/** Longest vendor code kept, in characters: real codes are short identifiers; anything longer is junk. */
const MAX_CODE_CHARS = 128;

function capCode(code: string): string {
  return code.length > MAX_CODE_CHARS ? code.slice(0, MAX_CODE_CHARS) : code;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

/** Reads a path, reusing the value of the `when` path read last when it is the same path. */
function read(obs: Observation, path: Path): unknown {
  return path === obs.seenPath ? obs.seenValue : readPath(obs.root, path);
}

/** The first path that holds text (a string or a finite number), as text. */
function firstText(obs: Observation, paths: readonly Path[] | undefined): string | undefined {
  if (paths === undefined) return undefined;
  for (const path of paths) {
    const value = asText(read(obs, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first path that holds a number (or numeric text), as a number. */
function firstNumber(obs: Observation, paths: readonly Path[] | undefined): number | undefined {
  if (paths === undefined) return undefined;
  for (const path of paths) {
    const value = asNumber(read(obs, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The message the payload carried (read on first use). */
export function messageOf(obs: Observation): string | undefined {
  if ((obs.pending & LAZY.message) !== 0) {
    obs.pending &= ~LAZY.message;
    obs.message = firstText(obs, obs.reader?.message);
  }
  return obs.message;
}

/** The `retryAfterSeconds` field, as the vendor wrote it (read on first use). */
export function retryAfterSecondsOf(obs: Observation): number | undefined {
  if ((obs.pending & LAZY.retryAfterSeconds) !== 0) {
    obs.pending &= ~LAZY.retryAfterSeconds;
    obs.retryAfterSeconds = firstNumber(obs, obs.reader?.retryAfterSeconds);
  }
  return obs.retryAfterSeconds;
}

/** The `pollIntervalSeconds` field, as the vendor wrote it (read on first use). */
export function pollIntervalSecondsOf(obs: Observation): number | undefined {
  if ((obs.pending & LAZY.pollIntervalSeconds) !== 0) {
    obs.pending &= ~LAZY.pollIntervalSeconds;
    obs.pollIntervalSeconds = firstNumber(obs, obs.reader?.pollIntervalSeconds);
  }
  return obs.pollIntervalSeconds;
}

function readJson(reader: EnvelopeReader, root: unknown): Observation | undefined {
  let seenPath: Path | undefined;
  let seenValue: unknown;
  for (const condition of reader.conditions) {
    const value = readPath(root, condition.path);
    const holds =
      condition.values === undefined
        ? value !== undefined && value !== null
        : condition.values.includes(value as string | number | boolean);
    if (!holds) return undefined;
    seenPath = condition.path;
    seenValue = value;
  }
  const envelope = reader.envelope;
  const obs: Observation = {
    envelope: envelope.id,
    isError: envelope.isError,
    code: undefined,
    jobStatus: undefined,
    pending: ALL_LAZY,
    root,
    reader,
    seenPath,
    seenValue,
    message: undefined,
    retryAfterSeconds: undefined,
    pollIntervalSeconds: undefined,
  };
  const code = firstText(obs, reader.code);
  const jobStatus = firstText(obs, reader.jobStatus);
  if (code !== undefined) obs.code = capCode(code);
  if (jobStatus !== undefined) obs.jobStatus = jobStatus.toLowerCase();
  if (reader.conditions.length > 0) return obs;
  // An envelope without conditions claims a payload only if it found something in it.
  const found =
    code !== undefined ||
    jobStatus !== undefined ||
    messageOf(obs) !== undefined ||
    retryAfterSecondsOf(obs) !== undefined ||
    pollIntervalSecondsOf(obs) !== undefined;
  return found ? obs : undefined;
}

function readText(reader: EnvelopeReader, text: string): Observation | undefined {
  const found = reader.pattern?.exec(text);
  if (!found) return undefined;
  const groups = found.groups;
  const code = groups?.['code'];
  const message = groups?.['message'];
  return {
    envelope: reader.envelope.id,
    isError: reader.envelope.isError,
    code: code === undefined ? undefined : capCode(code),
    jobStatus: undefined,
    pending: 0,
    root: undefined,
    reader: undefined,
    seenPath: undefined,
    seenValue: undefined,
    message: message === undefined ? undefined : message.trim(),
    retryAfterSeconds: asNumber(groups?.['retryAfterSeconds']),
    pollIntervalSeconds: undefined,
  };
}

/**
 * Reads one payload (a body, a stream line or a WebSocket message) with the envelopes that apply
 * to that part, in order; the first that recognises it wins. Never throws; `undefined` when none
 * applies. The text is parsed at most once. A JSON envelope whose required tokens are missing
 * cannot match (unless the text writes names with `\u` escapes), so most payloads that nothing
 * can match are never parsed. `expectEnvelope`: the payload is an error response, which nearly
 * always carries an envelope: searching for tokens would only add to the parse, so envelopes
 * whose tokens are exact (see {@link EnvelopeReader.tokensExact}) go straight to their conditions,
 * which give the same answer.
 */
export function observe(
  readers: readonly EnvelopeReader[],
  raw: string,
  expectEnvelope: boolean,
): Observation | undefined {
  const text = raw.length > MAX_PARSE_CHARS ? raw.slice(0, MAX_PARSE_CHARS) : raw;
  let parsed: unknown;
  let parsedYet = false;
  let escaped: boolean | undefined;
  for (const reader of readers) {
    if (reader.envelope.format === 'text') {
      const obs = readText(reader, text);
      if (obs) return obs;
      continue;
    }
    // The escape scan only matters when a token is missing, so it runs then, at most once.
    const skipTokens = expectEnvelope && reader.tokensExact;
    if (reader.tokens.length > 0 && !skipTokens && !hasRequiredTokens(reader, text)) {
      escaped ??= text.includes('\\u');
      if (!escaped) continue;
    }
    if (!parsedYet) {
      parsed = parseJsonSafely(text);
      parsedYet = true;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const obs = readJson(reader, parsed);
    if (obs) return obs;
  }
  return undefined;
}
