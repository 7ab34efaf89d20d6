import type { Readable } from 'node:stream';
import type { ClientRequest } from 'node:http';
import { types } from 'node:util';
import got, { Options, type OptionsInit, type Request, type Response } from 'got';
import { credentialsIn, redactErrorInPlace } from '../../run/redact.js';
import { markGotError } from './got-error.js';
import type { Phase } from '../../core/engine/types.js';
import type { CallContext } from '../../run/call-context.js';

/** True for a Node stream (got's stream body), which the first try consumes. */
export function isStreamBody(body: unknown): body is Readable {
  return typeof (body as { pipe?: unknown } | undefined)?.pipe === 'function';
}

/** True for a Node stream body, which is consumed by the first try and cannot be resent. */
export function hasStreamBody(options: Options): boolean {
  return isStreamBody(options.body);
}

/** The credentials the caller's request carries, for redaction. */
export function requestCredentials(options: Options): string[] {
  return credentialsIn(options.url, options.headers);
}

/**
 * got's options for a request of a job or message stream: the caller's URL and options on the got
 * instance's defaults. got refuses some (an invalid URL) with a `TypeError` that quotes the URL and
 * holds the options it was building, headers included: that error is thrown with the request's
 * credentials scrubbed from its message, stack and `input`, and shown without its options, as
 * the adapter's errors are.
 */
export function requestOptions(
  url: string | URL | undefined,
  init: OptionsInit | undefined,
  defaults: Options,
): Options {
  try {
    return new Options(url, init, defaults);
  } catch (error) {
    // Node's URL error may be of another realm (a vm context, jest): not `instanceof Error` here.
    if (!(error instanceof Error || types.isNativeError(error))) throw error;
    const held = (error as { options?: { headers?: Record<string, unknown> } }).options;
    const secrets = credentialsIn(url, held?.headers ?? defaults.headers);
    redactErrorInPlace(error, secrets);
    throw markGotError(error, undefined, secrets);
  }
}

/**
 * Adds to the call's secrets the credentials a try really sent: a `beforeRequest` hook of the got
 * instance (a token refresh, a request signer) may set one that the request's options did not carry.
 */
export function addSentCredentials(context: CallContext, sent: ClientRequest): void {
  // http2-wrapper's request has the same `path` and `getHeaders()`; anything else carries nothing we read.
  if (typeof sent.getHeaders !== 'function') return;
  const path = typeof sent.path === 'string' && sent.path.includes('?') ? sent.path : undefined;
  context.addSecrets(
    credentialsIn(path === undefined ? undefined : `http://localhost${path}`, sent.getHeaders()),
  );
}

/** Why a stream body blocks a resend (shared wording for reasons). */
export const STREAM_BODY_REASON =
  'the request body is a stream that the first try consumed, so it cannot be sent again';

/** The per-try settings of the job and message-stream runners: got's own retry off, every status returned with the raw body. */
function applyTrySettings(options: Options, isStream: boolean): void {
  if (options.retry.limit !== 0) options.merge({ retry: { limit: 0 } });
  options.throwHttpErrors = false;
  if (isStream) {
    options.isStream = true;
  } else {
    options.isStream = false;
    options.resolveBodyOnly = false;
    options.responseType = 'buffer';
  }
}

/**
 * Options for one try of a job or message-stream call, copied from the call's options: got's own
 * retry off, every status returned (not thrown) with the raw body, so the engine sees each
 * response whole.
 */
export function attemptOptions(
  base: Options,
  context: CallContext,
  tryNumber: number,
  phase: Phase,
  isStream: boolean,
): Options {
  const headers = context.attemptHeaders(tryNumber, phase);
  const options = new Options(undefined, { headers }, base);
  // The call's own signal (adapter-level and per-request combined) cancels each try.
  if (context.signal) options.signal = context.signal;
  applyTrySettings(options, isStream);
  return options;
}

/**
 * got's promise for one request, reduced to what the adapter uses. Declared here because its name
 * differs across the supported got versions (14: CancelableRequest; 16: RequestPromise), so our
 * emitted types must not import either.
 */
export type TryPromise = Promise<Response> & {
  on(event: string, listener: (...args: never[]) => void): unknown;
};

/** Starts one try from complete options (got's documented `got(undefined, undefined, options)` form). */
export function startTry(options: Options): TryPromise | Request {
  return (got as unknown as (url: undefined, init: undefined, defaults: Options) => TryPromise | Request)(
    undefined,
    undefined,
    options,
  );
}
