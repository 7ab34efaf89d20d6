import type { IncomingHttpHeaders } from 'node:http';
import { MAX_PARSE_CHARS } from '../engine/envelope.js';
import type { HeaderValue } from '../engine/types.js';
import { SECRET_HEADERS, SECRET_QUERY_PARAMS } from '../errors/redact.js';
import type { Observation } from './call-context.js';

/** Most body bytes turned into signal text; the engine reads no more than this anyway. */
export const MAX_SIGNAL_BODY_BYTES = MAX_PARSE_CHARS * 4;

/** Response headers in the Signal's shape (drops `undefined` values). */
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

/** What a complete HTTP response says, as the engine reads it. */
export function responseObservation(
  status: number,
  headers: IncomingHttpHeaders,
  body: Uint8Array | undefined,
): Observation {
  return { transport: 'http', status, headers: signalHeaders(headers), body: bodyText(body) };
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

/** Credential values in request headers and URL query parameters, for scrubbing errors. */
export function requestSecrets(
  headers: Readonly<Record<string, unknown>>,
  url: URL | string | undefined,
): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!SECRET_HEADERS.has(name.toLowerCase())) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      out.push(v);
      // "Bearer abc": the token alone may appear elsewhere too.
      const token = v.split(/\s+/).pop();
      if (token !== undefined && token !== v) out.push(token);
    }
  }
  if (url !== undefined) {
    try {
      for (const [name, value] of new URL(String(url)).searchParams) {
        if (SECRET_QUERY_PARAMS.has(name.toLowerCase()) && value !== '') out.push(value);
      }
    } catch {
      // A relative or invalid URL carries no query we could read.
    }
  }
  return out.filter((s) => s.length >= 4);
}
