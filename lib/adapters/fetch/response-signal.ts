import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { HeaderValue } from '../../core/engine/types.js';
import type { Observation } from '../../run/call-context.js';
import { ERROR_BODY_WAIT_MS, readBodyHead } from '../../run/body-head.js';
import { bodyText, MAX_SIGNAL_BODY_BYTES, networkObservation } from '../../run/observation.js';
import type { TimeSource } from '../../run/time-source.js';

/** A fetch `Headers` object in the Signal's shape (lower-case names), as a copy. */
export function headersOf(headers: Headers): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of headers) out[name] = value;
  return out;
}

/**
 * The first bytes of a body stream, as many as the engine reads ({@link readBodyHead}, as got's
 * are read): the stream is cancelled once they are in, so the rest is never read. With `wait`, what
 * arrived within `wait.timeoutMs` on `wait.time` (an error body that stalls does not hold the call).
 */
export async function readSignalBody(
  body: ReadableStream<Uint8Array> | null,
  wait?: { timeoutMs: number; time: TimeSource },
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  const head = await readBodyHead(source, MAX_SIGNAL_BODY_BYTES, wait?.timeoutMs, wait?.time).done;
  // Cancels the stream: whatever is past the bound is not read.
  source.destroy();
  return head;
}

/**
 * The first bytes of a response's body, for the engine, without touching the response itself:
 * a clone's body is read ({@link readSignalBody}), so the caller still gets the whole body from
 * the response (the rest is read only if the caller reads it).
 */
export function responseBodyHead(response: Response, time: TimeSource): Promise<Uint8Array> {
  return readSignalBody(response.clone().body, { timeoutMs: ERROR_BODY_WAIT_MS, time });
}

/**
 * What a fetch response says, as the engine reads it: a 2xx by its status and headers alone (its
 * body is the caller's stream, untouched); any other status with the start of its body too, as
 * much of it as arrived within {@link ERROR_BODY_WAIT_MS} on `time` (the adapter's clock).
 */
export async function responseObservation(response: Response, time: TimeSource): Promise<Observation> {
  const headers = headersOf(response.headers);
  if (response.ok) return { transport: 'http', status: response.status, headers };
  const body = bodyText(await responseBodyHead(response, time));
  return { transport: 'http', status: response.status, headers, body };
}

/**
 * A fetch transport failure: fetch rejects with a `TypeError("fetch failed")` whose `cause` carries
 * the socket's code (`ECONNRESET`, `ECONNREFUSED`, `UND_ERR_SOCKET`); that code is what the engine reads.
 */
export function fetchNetworkObservation(error: unknown): Observation {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? networkObservation(cause) : networkObservation(error);
}
