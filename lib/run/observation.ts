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
