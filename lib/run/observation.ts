/**
 * What a try's outcome tells the engine, whatever the transport: an error body as bounded text,
 * a transport failure as its error code.
 */
import { MAX_PARSE_CHARS } from '../core/engine/envelope.js';
import type { Observation } from './call-context.js';

/** Most body bytes turned into signal text; the engine reads no more than this anyway. */
export const MAX_SIGNAL_BODY_BYTES = MAX_PARSE_CHARS * 4;

/** Body bytes as signal text, capped so a huge or binary body costs a bounded amount. */
export function bodyText(body: Uint8Array | undefined): string {
  if (!body || body.length === 0) return '';
  const slice = body.length > MAX_SIGNAL_BODY_BYTES ? body.subarray(0, MAX_SIGNAL_BODY_BYTES) : body;
  return Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('utf8');
}

/** Longest string of a condensed reply ({@link wholeBodyText}), in characters: codes, states and messages are shorter. */
const CONDENSED_STRING_CHARS = 1024;
/** Items of each array a condensed reply keeps ({@link wholeBodyText}). */
const CONDENSED_ARRAY_ITEMS = 16;

/**
 * A reply read whole (a job's status reply) as signal text. Past what the engine parses
 * (`MAX_PARSE_CHARS`), a JSON body is condensed so that its fields are still read: parsed whole,
 * each string cut to {@link CONDENSED_STRING_CHARS} and each array to its first
 * {@link CONDENSED_ARRAY_ITEMS} items, and written back. Cut instead, a long reply does not parse,
 * no job state is read, and a 200 that says nothing would end the job (a `processing` reply with
 * a long partial transcript taken as the result). A body that is not JSON, or still too long
 * condensed, is cut as {@link bodyText} cuts it.
 */
export function wholeBodyText(body: Uint8Array | undefined): string {
  if (!body || body.length <= MAX_PARSE_CHARS) return bodyText(body);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.length <= MAX_PARSE_CHARS) return text;
  let condensed: string;
  try {
    condensed = JSON.stringify(JSON.parse(text), (_key, item: unknown) => {
      if (typeof item === 'string' && item.length > CONDENSED_STRING_CHARS)
        return item.slice(0, CONDENSED_STRING_CHARS);
      if (Array.isArray(item) && item.length > CONDENSED_ARRAY_ITEMS)
        return item.slice(0, CONDENSED_ARRAY_ITEMS);
      return item;
    });
  } catch {
    // Not JSON, or nested deeper than JSON.stringify goes (V8 parses what it cannot write back).
    return bodyText(body);
  }
  return condensed.length <= MAX_PARSE_CHARS ? condensed : bodyText(body);
}

/** A transport failure with no usable response: its error code (`ECONNRESET`, `ETIMEDOUT`, …). */
export function networkObservation(error: unknown): Observation {
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = (error as { name?: unknown } | undefined)?.name;
  const text =
    typeof code === 'string' && code !== ''
      ? code
      : typeof name === 'string' && name !== ''
        ? name
        : 'ERR_NETWORK';
  return { transport: 'http', error: text };
}
