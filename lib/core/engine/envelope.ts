import type { SignalPart } from '../policy/document.js';
import type { CompiledEnvelope, CompiledPolicy } from '../policy/compiled.js';
import { parseJsonSafely, readPath } from './json-path.js';

/** What an envelope read out of one payload (`undefined` for what it did not find). */
export interface Observation {
  envelope: string;
  isError: boolean;
  code: string | undefined;
  /** Lower-cased job state. */
  jobStatus: string | undefined;
  message: string | undefined;
  /** Raw numbers as the vendor wrote them; validated where used. */
  retryAfterSeconds: number | undefined;
  pollIntervalSeconds: number | undefined;
}

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

type Paths = readonly (readonly string[])[] | undefined;

/** The first path that holds text (a string or a finite number), as text. */
function firstText(root: unknown, paths: Paths): string | undefined {
  for (const path of paths ?? []) {
    const value = asText(readPath(root, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first path that holds a number (or numeric text), as a number. */
function firstNumber(root: unknown, paths: Paths): number | undefined {
  for (const path of paths ?? []) {
    const value = asNumber(readPath(root, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

function readJson(envelope: CompiledEnvelope, root: unknown): Observation | undefined {
  for (const condition of envelope.when) {
    const value = readPath(root, condition.path);
    const holds =
      condition.values === undefined
        ? value !== undefined && value !== null
        : condition.values.includes(value as string | number | boolean);
    if (!holds) return undefined;
  }
  const f = envelope.fields;
  const code = firstText(root, f.code);
  const jobStatus = firstText(root, f.jobStatus);
  const obs: Observation = {
    envelope: envelope.id,
    isError: envelope.isError,
    code: code === undefined ? undefined : capCode(code),
    jobStatus: jobStatus?.toLowerCase(),
    message: firstText(root, f.message),
    retryAfterSeconds: firstNumber(root, f.retryAfterSeconds),
    pollIntervalSeconds: firstNumber(root, f.pollIntervalSeconds),
  };
  if (envelope.when.length > 0) return obs;
  // An envelope without conditions claims a payload only if it found something in it.
  const found =
    code !== undefined ||
    jobStatus !== undefined ||
    obs.message !== undefined ||
    obs.retryAfterSeconds !== undefined ||
    obs.pollIntervalSeconds !== undefined;
  return found ? obs : undefined;
}

function readText(envelope: CompiledEnvelope, text: string): Observation | undefined {
  const found = envelope.pattern?.exec(text);
  if (!found) return undefined;
  const groups = found.groups;
  const code = groups?.['code'];
  const message = groups?.['message'];
  return {
    envelope: envelope.id,
    isError: envelope.isError,
    code: code === undefined ? undefined : capCode(code),
    jobStatus: undefined,
    message: message?.trim(),
    retryAfterSeconds: asNumber(groups?.['retryAfterSeconds']),
    pollIntervalSeconds: undefined,
  };
}

/**
 * Reads one payload (a body, a stream line or a WebSocket message) with the policy's envelopes
 * that apply to that part, in policy order; the first that recognises it wins. Never throws;
 * `undefined` when none applies. The text is parsed as JSON at most once.
 */
export function observe(policy: CompiledPolicy, part: SignalPart, raw: string): Observation | undefined {
  const text = raw.length > MAX_PARSE_CHARS ? raw.slice(0, MAX_PARSE_CHARS) : raw;
  let parsed: { root: unknown } | undefined;
  for (const envelope of policy.envelopes) {
    if (!envelope.parts.has(part)) continue;
    if (envelope.format === 'text') {
      const obs = readText(envelope, text);
      if (obs) return obs;
      continue;
    }
    parsed ??= { root: parseJsonSafely(text) };
    if (typeof parsed.root !== 'object' || parsed.root === null) continue;
    const obs = readJson(envelope, parsed.root);
    if (obs) return obs;
  }
  return undefined;
}
