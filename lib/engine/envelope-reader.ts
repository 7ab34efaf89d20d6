import type { SignalPart } from '../policy/document.js';
import type { CompiledEnvelope, CompiledPolicy } from '../policy/compiled.js';
import { thaw } from './thaw.js';

/** A dotted JSON path; equal paths of one envelope are the same array, so a read can be reused by identity. */
export type Path = readonly string[];

/** One `when` condition: `values` undefined means "present (not null)". */
export interface ReaderCondition {
  path: Path;
  values: readonly (string | number | boolean)[] | undefined;
}

/**
 * A required token, split for searching: a token that is a JSON string starts with a quote, the
 * most common character in JSON. Searching for the rest (`tail`) and checking the character
 * before finds the same occurrences much faster than searching for the quote first.
 */
export interface Token {
  tail: string;
  /** The token starts with a quote that `tail` leaves out. */
  quoted: boolean;
}

/** An envelope made ready for reading payloads fast (built once per policy). */
export interface EnvelopeReader {
  envelope: CompiledEnvelope;
  /** A text envelope's pattern, thawed. */
  pattern: RegExp | undefined;
  /** The envelope's `requiredTokens`, split for searching. */
  tokens: readonly (readonly Token[])[];
  /**
   * Whether a missing token proves the envelope cannot match a text without `\u` escapes. JSON
   * can spell a name or string in only one other way, `\u` escapes, with one exception: `/` may be
   * written `\/`, so a token with a `/` in it only says "probably not".
   */
  tokensExact: boolean;
  conditions: readonly ReaderCondition[];
  code: readonly Path[] | undefined;
  jobStatus: readonly Path[] | undefined;
  message: readonly Path[] | undefined;
  retryAfterSeconds: readonly Path[] | undefined;
  pollIntervalSeconds: readonly Path[] | undefined;
}

function buildReader(envelope: CompiledEnvelope): EnvelopeReader {
  const canonical = new Map<string, Path>();
  const canon = (path: Path): Path => {
    const key = path.join('\u0000');
    const known = canonical.get(key);
    if (known) return known;
    canonical.set(key, path);
    return path;
  };
  const paths = (list: readonly Path[] | undefined) => list?.map(canon);
  const f = envelope.fields;
  return {
    envelope,
    pattern: envelope.pattern && thaw(envelope.pattern),
    tokens: envelope.requiredTokens.map((anyOf) =>
      // A lone quote keeps its whole self: an empty tail would match everywhere (and never advance).
      anyOf.map((t) =>
        t.length > 1 && t.startsWith('"') ? { tail: t.slice(1), quoted: true } : { tail: t, quoted: false },
      ),
    ),
    tokensExact: !envelope.requiredTokens.some((anyOf) => anyOf.some((t) => t.includes('/'))),
    conditions: envelope.when.map((c) => ({ path: canon(c.path), values: c.values })),
    code: paths(f.code),
    jobStatus: paths(f.jobStatus),
    message: paths(f.message),
    retryAfterSeconds: paths(f.retryAfterSeconds),
    pollIntervalSeconds: paths(f.pollIntervalSeconds),
  };
}

/** Each signal part's envelopes, in policy order, as readers. */
export function buildReaders(
  policy: CompiledPolicy,
): Readonly<Record<SignalPart, readonly EnvelopeReader[]>> {
  const readers = policy.envelopes.map((e) => ({ envelope: e, reader: buildReader(e) }));
  const forPart = (part: SignalPart) =>
    readers.filter((r) => r.envelope.parts.has(part)).map((r) => r.reader);
  return { body: forPart('body'), streamLine: forPart('streamLine'), message: forPart('message') };
}

const QUOTE = 0x22;

/** Exactly `text.includes(token)`. */
function containsToken(text: string, token: Token): boolean {
  if (!token.quoted) return text.includes(token.tail);
  let at = text.indexOf(token.tail, 1);
  while (at > 0) {
    if (text.charCodeAt(at - 1) === QUOTE) return true;
    at = text.indexOf(token.tail, at + 1);
  }
  return false;
}

/** Whether every token group of the reader's envelope has a token in `text`. */
export function hasRequiredTokens(reader: EnvelopeReader, text: string): boolean {
  for (const anyOf of reader.tokens) {
    let seen = false;
    for (const token of anyOf) {
      if (containsToken(text, token)) {
        seen = true;
        break;
      }
    }
    if (!seen) return false;
  }
  return true;
}
