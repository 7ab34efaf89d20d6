import got, { Options, type Request, type Response } from 'got';
import { credentialsIn } from '../errors/redact.js';
import type { Phase } from '../engine/types.js';
import type { CallContext } from './call-context.js';

/** True for a Node stream body, which is consumed by the first try and cannot be resent. */
export function hasStreamBody(options: Options): boolean {
  const body = options.body as { pipe?: unknown } | undefined;
  return typeof body?.pipe === 'function';
}

/**
 * The credentials the caller's request carries, for redaction. A parsed URL is only read again when
 * it has a query or user info, the parts where a URL carries credentials.
 */
export function requestCredentials(options: Options): string[] {
  const { url } = options;
  const urlMayCarry =
    !(url instanceof URL) || url.search !== '' || url.username !== '' || url.password !== '';
  return credentialsIn(urlMayCarry ? url : undefined, options.headers);
}

/** Why a stream body blocks a resend (shared wording for reasons). */
export const STREAM_BODY_REASON =
  'the request body is a stream that the first try consumed, so it cannot be sent again';

/** The caller's abort signals (adapter-level and per-request), combined into one. */
export function combinedSignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/**
 * What the caller asked for before the first try ran on got's own request, which rewrites its
 * options in place (a `json`/`form` payload becomes `body`; `content-type`, `content-length` and
 * the first try's headers are added). Later tries start from this, as if from the caller's options.
 */
export interface CallerRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  json: unknown;
  form: unknown;
}

/** The per-try settings of the adapter: got's own retry off, every status returned with the raw body. */
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
 * Turns the caller's normalized options into the first try's, in place, so the first try runs on
 * the request got already built for the call (the handler's `next`). Returns what later tries
 * need to start from the caller's request again.
 */
export function firstTryOptions(
  options: Options,
  context: CallContext,
  phase: Phase,
  isStream: boolean,
): CallerRequest {
  const caller: CallerRequest = {
    headers: { ...options.headers },
    body: options.body,
    json: options.json,
    form: options.form,
  };
  applyTrySettings(options, isStream);
  const extra = context.attemptHeaders(1, phase);
  for (const name in extra) options.headers[name.toLowerCase()] = extra[name];
  if (context.signal) options.signal = context.signal;
  return caller;
}

/**
 * Options for one try, copied from the caller's normalized options: got's own retry off, every
 * status returned (not thrown) with the raw body, so the engine sees each response whole. With
 * `caller`, `base` has run a try already: headers and payload come from the caller's request.
 */
export function attemptOptions(
  base: Options,
  context: CallContext,
  tryNumber: number,
  phase: Phase,
  isStream: boolean,
  caller?: CallerRequest,
): Options {
  const headers = context.attemptHeaders(tryNumber, phase);
  const options = new Options(undefined, caller ? {} : { headers }, base);
  if (caller) {
    options.headers = { ...caller.headers, ...headers };
    // A stream body cannot be sent again (the call fails before this); anything else is resent as given.
    if (!hasStreamBody(options)) {
      options.body = undefined;
      options.json = undefined;
      options.form = undefined;
      if (caller.body !== undefined) options.body = caller.body as Options['body'];
      if (caller.json !== undefined) options.json = caller.json as Options['json'];
      if (caller.form !== undefined) options.form = caller.form as Options['form'];
    }
  }
  // Set after construction: `vendorResilience`'s init hook takes signals out of options being merged.
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
