import type { SignalPart } from '../policy/document.js';
import type { CompiledEnvelope, CompiledPolicy, EnvelopeField, PathCondition } from '../policy/compiled.js';
import { parseJsonSafely, readPath } from './json-path.js';

/** What an envelope read out of one payload. */
export interface Observation {
  envelope: string;
  isError: boolean;
  code?: string;
  message?: string;
  /** Raw numbers as the vendor wrote them; validated where used. */
  retryAfterSeconds?: number;
  pollIntervalSeconds?: number;
  requestId?: string;
  /** Lower-cased job state. */
  jobStatus?: string;
}

/** Bodies longer than this (UTF-16 units) are cut before parsing, so a huge body costs a bounded amount. */
export const MAX_PARSE_CHARS = 64 * 1024;

/** Longest vendor code kept, in characters: real codes are short identifiers; anything longer is junk. */
const MAX_CODE_CHARS = 128;

function capCode(code: string): string {
  return code.length > MAX_CODE_CHARS ? code.slice(0, MAX_CODE_CHARS) : code;
}

function conditionHolds(root: unknown, condition: PathCondition): boolean {
  const value = readPath(root, condition.path);
  if (condition.values === undefined) return value !== undefined && value !== null;
  return condition.values.includes(value as string | number | boolean);
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function firstOf(
  root: unknown,
  paths: readonly (readonly string[])[] | undefined,
  convert: (v: unknown) => string | number | undefined,
): string | number | undefined {
  if (!paths) return undefined;
  for (const path of paths) {
    const value = convert(readPath(root, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

function readJson(envelope: CompiledEnvelope, root: unknown): Observation | undefined {
  for (const condition of envelope.when) if (!conditionHolds(root, condition)) return undefined;
  const f = envelope.fields;
  const get = (field: EnvelopeField, convert: (v: unknown) => string | number | undefined) =>
    firstOf(root, f[field], convert);
  const obs: Observation = { envelope: envelope.id, isError: envelope.isError };
  const code = get('code', asText);
  const message = get('message', asText);
  const retryAfter = get('retryAfterSeconds', asNumber);
  const pollInterval = get('pollIntervalSeconds', asNumber);
  const requestId = get('requestId', asText);
  const jobStatus = get('jobStatus', asText);
  if (code !== undefined) obs.code = capCode(String(code));
  if (message !== undefined) obs.message = String(message);
  if (typeof retryAfter === 'number') obs.retryAfterSeconds = retryAfter;
  if (typeof pollInterval === 'number') obs.pollIntervalSeconds = pollInterval;
  if (requestId !== undefined) obs.requestId = String(requestId);
  if (jobStatus !== undefined) obs.jobStatus = String(jobStatus).toLowerCase();
  const found =
    code !== undefined ||
    message !== undefined ||
    obs.retryAfterSeconds !== undefined ||
    obs.pollIntervalSeconds !== undefined ||
    jobStatus !== undefined;
  // An envelope without conditions claims a payload only if it found something in it.
  return found || envelope.when.length > 0 ? obs : undefined;
}

function readText(envelope: CompiledEnvelope, text: string): Observation | undefined {
  const found = envelope.pattern?.exec(text);
  if (!found) return undefined;
  const groups = found.groups;
  const obs: Observation = { envelope: envelope.id, isError: envelope.isError };
  const code = groups?.['code'];
  const message = groups?.['message'];
  const retryAfter = asNumber(groups?.['retryAfterSeconds']);
  if (code !== undefined) obs.code = capCode(code);
  if (message !== undefined) obs.message = message.trim();
  if (retryAfter !== undefined) obs.retryAfterSeconds = retryAfter;
  return obs;
}

/**
 * Whether the raw JSON text can satisfy the envelope's `when` at all. A key or string value in
 * JSON appears quoted in the text unless it is written with `\\u` escapes, so those texts skip
 * this shortcut and are always parsed.
 */
function mayMatch(envelope: CompiledEnvelope, text: string, escaped: boolean): boolean {
  if (escaped) return true;
  for (const anyOf of envelope.requiredTokens) {
    if (!anyOf.some((token) => text.includes(token))) return false;
  }
  return true;
}

/**
 * Reads one payload (a body, a stream line or a WebSocket message) with the policy's envelopes,
 * in order; the first that recognises it wins. Never throws; `undefined` when none applies.
 */
export function observe(policy: CompiledPolicy, part: SignalPart, raw: string): Observation | undefined {
  const text = raw.length > MAX_PARSE_CHARS ? raw.slice(0, MAX_PARSE_CHARS) : raw;
  let parsed: unknown;
  let parsedYet = false;
  const escaped = text.includes('\\u');
  for (const envelope of policy.envelopes) {
    if (!envelope.parts.has(part)) continue;
    if (envelope.format === 'text') {
      const obs = readText(envelope, text);
      if (obs) return obs;
      continue;
    }
    if (!mayMatch(envelope, text, escaped)) continue;
    if (!parsedYet) {
      parsed = parseJsonSafely(text);
      parsedYet = true;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const obs = readJson(envelope, parsed);
    if (obs) return obs;
  }
  return undefined;
}
