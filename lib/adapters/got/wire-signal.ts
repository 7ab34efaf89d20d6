import type { IncomingHttpHeaders } from 'node:http';
import { MAX_PARSE_CHARS } from '../../core/engine/envelope.js';
import type { HeaderValue } from '../../core/engine/types.js';
import type { Observation } from '../../run/call-context.js';

/** Most body bytes turned into signal text; the engine reads no more than this anyway. */
export const MAX_SIGNAL_BODY_BYTES = MAX_PARSE_CHARS * 4;

/** Response headers in the Signal's shape (drops `undefined` values), as a copy the caller may keep. */
export function signalHeaders(headers: IncomingHttpHeaders): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

/** Body bytes as signal text, capped so a huge or binary body costs a bounded amount. */
export function bodyText(body: Uint8Array | undefined): string {
  if (!body || body.length === 0) return '';
  const slice = body.length > MAX_SIGNAL_BODY_BYTES ? body.subarray(0, MAX_SIGNAL_BODY_BYTES) : body;
  return Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('utf8');
}

/**
 * What a complete HTTP response says, as the engine reads it. The response's own headers object
 * is handed over as it is (the Signal allows `undefined` values; the engine only reads it).
 */
export function responseObservation(
  status: number,
  headers: IncomingHttpHeaders,
  body: Uint8Array | undefined,
): Observation {
  return { transport: 'http', status, headers, body: bodyText(body) };
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
