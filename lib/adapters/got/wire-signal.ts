import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderValue } from '../../core/engine/types.js';
import type { Observation } from '../../run/call-context.js';
import type { Response } from 'got';
import { bodyText, MAX_SIGNAL_BODY_BYTES, wholeBodyText } from '../../run/observation.js';

/** Response headers in the Signal's shape (drops `undefined` values), as a copy the caller may keep. */
export function signalHeaders(headers: IncomingHttpHeaders): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

/**
 * What a complete HTTP response says, as the engine reads it. The response's own headers object
 * is handed over as it is (the Signal allows `undefined` values; the engine only reads it).
 * `whole`: the body is the whole reply (a job's, read whole), condensed when long ({@link wholeBodyText}).
 */
export function responseObservation(
  status: number,
  headers: IncomingHttpHeaders,
  body: Uint8Array | undefined,
  whole = false,
): Observation {
  return { transport: 'http', status, headers, body: whole ? wholeBodyText(body) : bodyText(body) };
}

/**
 * What a got call's response says, as the engine reads it. got has decoded the body to text
 * before any hook runs (`responseType: 'text'`, its default): that string is used when it is
 * still got's own (`bodyIsGots`: no hook of yours ran before ours) and UTF-8, instead of decoding
 * the same bytes a second time.
 */
export function gotResponseObservation(response: Response, bodyIsGots: boolean): Observation {
  const { statusCode, headers, body } = response;
  const encoding = response.request?.options.encoding;
  const decoded =
    bodyIsGots &&
    typeof body === 'string' &&
    (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8');
  if (!decoded) return responseObservation(statusCode, headers, response.rawBody);
  const text = body.length > MAX_SIGNAL_BODY_BYTES ? body.slice(0, MAX_SIGNAL_BODY_BYTES) : body;
  return { transport: 'http', status: statusCode, headers, body: text };
}
