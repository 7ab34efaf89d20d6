import { inspect } from 'node:util';
import type { Decision } from '../../core/engine/types.js';
import {
  REDACTED,
  redactedDecision,
  redactText,
  redactUrl,
  redactUrlInPlace,
  SECRET_HEADERS,
} from '../../run/redact.js';
import type { VendorFailure } from '../../run/vendor-error.js';

/** What the got adapter knows about a call that ended: the decision and its context. */
export interface GotFailureInit {
  vendor: string;
  decision: Decision;
  attempts: number;
  status: number | undefined;
  requestId: string | undefined;
  vendorMessage: string | undefined;
}

/** The parts of a got error the adapter reads or rewrites (got's classes differ across majors). */
interface GotErrorShape extends Error {
  code?: string;
  options?: { headers?: Record<string, unknown>; url?: unknown };
  response?: { statusCode?: number; body?: unknown; headers?: Record<string, unknown> };
}

/** Replaces credential header values and credential query parameters of the request's options, in place. */
export function redactOptions(options: GotErrorShape['options'], secrets: readonly string[]): void {
  if (!options || typeof options !== 'object') return;
  const { headers, url } = options;
  if (headers) {
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (SECRET_HEADERS.has(name.toLowerCase())) headers[name] = REDACTED;
      else if (typeof value === 'string') headers[name] = redactText(value, secrets);
    }
  }
  if (url instanceof URL) redactUrlInPlace(url);
}

/** The URLs got keeps on the response and the request (final URL, request URL, redirects), in place. */
function redactResponseUrls(error: GotErrorShape): void {
  const holders = [error.response, (error as { request?: unknown }).request] as (
    { url?: unknown; requestUrl?: unknown; redirectUrls?: unknown } | undefined
  )[];
  for (const holder of holders) {
    if (!holder || typeof holder !== 'object') continue;
    if (typeof holder.url === 'string') holder.url = redactUrl(holder.url);
    if (holder.requestUrl instanceof URL) redactUrlInPlace(holder.requestUrl);
    if (Array.isArray(holder.redirectUrls)) {
      for (const url of holder.redirectUrls) if (url instanceof URL) redactUrlInPlace(url);
    }
  }
}

/** Redacts an error's message and stack (and its causes'), in place. */
function redactError(error: Error, secrets: readonly string[], depth = 0): void {
  error.message = redactText(error.message, secrets);
  if (error.stack) error.stack = redactText(error.stack, secrets);
  const cause = error.cause;
  if (depth < 5 && cause instanceof Error) redactError(cause, secrets, depth + 1);
}

/** Defines a property that `JSON.stringify`, spreads and `util.inspect` do not list. */
function hidden(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, configurable: true, writable: true });
}

/**
 * Turns the error got is about to throw into what a vendor-resilience user reads, in place: got's
 * class, `code`, `response` and `options` stay (it is still got's error), the decision that ended
 * the call is added ({@link VendorFailure}, when there was one), and every credential the call knows
 * is scrubbed from message, stack, causes and the request's options (kept, but no longer listed
 * among the error's own properties). `JSON.stringify` and `util.inspect` show a plain, secret-free
 * view (got's own would print the options with their headers).
 */
export function markGotError(
  error: Error,
  failure: GotFailureInit | undefined,
  secrets: readonly string[],
): Error {
  const shaped = error as GotErrorShape;
  redactError(error, secrets);
  redactOptions(shaped.options, secrets);
  if (secrets.length > 0) redactResponseUrls(shaped);
  // got lists `options` (with the raw options it was built from, credentials included) among the
  // error's own properties, which Node prints for an uncaught error whatever `inspect.custom` says:
  // with a credential to hide, it stays readable but is no longer listed.
  if (secrets.length > 0 && Object.prototype.propertyIsEnumerable.call(error, 'options')) {
    hidden(error, 'options', shaped.options);
  }
  if (failure) {
    const decision = redactedDecision(failure.decision, secrets);
    const fields: Omit<VendorFailure, keyof Error | 'code'> = {
      isVendorError: true,
      vendor: failure.vendor,
      vendorCode: decision.code,
      category: failure.decision.category,
      action: failure.decision.action,
      status: failure.status,
      attempts: failure.attempts,
      requestId: failure.requestId,
      retryAfterMs: failure.decision.retryAfterMs,
      decision,
      vendorMessage:
        failure.vendorMessage === undefined ? undefined : redactText(failure.vendorMessage, secrets),
    };
    Object.assign(error, fields);
  }
  hidden(error, 'toJSON', () => plainView(shaped, failure !== undefined));
  hidden(
    error,
    inspect.custom,
    () =>
      `${error.stack ?? error.message}\n${inspect(plainView(shaped, failure !== undefined), { depth: 4 })}`,
  );
  return error;
}

/** The error as plain data: got's name, code and status, and the vendor fields when present. */
function plainView(error: GotErrorShape, withFailure: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.code !== undefined) out['code'] = error.code;
  const status = error.response?.statusCode;
  if (status !== undefined) out['statusCode'] = status;
  if (withFailure) {
    const f = error as unknown as VendorFailure;
    out['vendor'] = f.vendor;
    if (f.vendorCode !== undefined) out['vendorCode'] = f.vendorCode;
    out['category'] = f.category;
    out['action'] = f.action;
    out['attempts'] = f.attempts;
    if (f.requestId !== undefined) out['requestId'] = f.requestId;
    if (f.retryAfterMs !== undefined) out['retryAfterMs'] = f.retryAfterMs;
    if (f.vendorMessage !== undefined) out['vendorMessage'] = f.vendorMessage;
    out['decision'] = f.decision;
  }
  return out;
}
