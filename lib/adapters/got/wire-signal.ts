import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderValue } from '../../core/engine/types.js';
import type { Observation } from '../../run/call-context.js';
import { bodyText } from '../../run/observation.js';

/** Response headers in the Signal's shape (drops `undefined` values), as a copy the caller may keep. */
export function signalHeaders(headers: IncomingHttpHeaders): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
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
