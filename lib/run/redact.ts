import type { Decision } from '../core/engine/types.js';
import { ArgumentCheck } from './validate-arguments.js';

/** Header names whose values are credentials (lower-case). */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'xi-api-key',
  'api-key',
  'cookie',
  'set-cookie',
]);

/** Query parameters whose values are credentials (lower-case). */
export const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'api_key',
  'apikey',
  'api-key',
  'key',
  'token',
  'access_token',
  'auth',
  'xi-api-key',
]);

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

const QUERY_SECRET = /([?&;](?:api_key|apikey|api-key|key|token|access_token|auth|xi-api-key)=)[^&#\s"']*/gi;
const HEADER_LINE =
  /\b(authorization|proxy-authorization|x-api-key|xi-api-key|api-key)(\s*[:=]\s*)("?)[^\s",}]+(?:\s+[^\s",}]+)?/gi;
const BEARER = /\b(Bearer|ELSA|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Removes credentials from free text: query parameters, header-like `name: value` pairs, bearer tokens. */
export function redactText(text: string, extraSecrets: readonly string[] = []): string {
  // Runs on every error's texts: the checker is only made when an argument is wrong.
  if (typeof text !== 'string' || !Array.isArray(extraSecrets)) {
    const check: ArgumentCheck = new ArgumentCheck('redactText');
    check.string('text', text, true);
    check.strings('extraSecrets', extraSecrets);
  }
  let out = text
    .replace(QUERY_SECRET, `$1${REDACTED}`)
    .replace(HEADER_LINE, `$1$2$3${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`);
  for (const secret of extraSecrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * The decision with the vendor's words in it redacted: the reason, and the vendor's code (a vendor
 * may echo the refused key there); what an error that ends the call carries.
 */
export function redactedDecision(decision: Decision, secrets: readonly string[]): Decision {
  const redacted = { ...decision, reason: redactText(decision.reason, secrets) };
  if (decision.code !== undefined) redacted.code = redactText(decision.code, secrets);
  return redacted;
}

/**
 * Scrubs credentials from an error that is passed on as it is (fetch's own `TypeError`, which quotes
 * the URL or header value it refused): its message and stack, a string `input` (Node's URL errors),
 * and the same for its causes, five deep. Duck-typed: such errors may come from another realm.
 */
export function redactErrorInPlace(error: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const fields = error as Record<string, unknown>;
  for (const name of ['message', 'stack', 'input']) {
    const text = fields[name];
    if (typeof text === 'string') fields[name] = redactText(text, secrets);
  }
  if (depth < 5 && fields['cause'] !== undefined) redactErrorInPlace(fields['cause'], secrets, depth + 1);
  return error;
}

/** Replaces a URL object's credential query parameters and userinfo, in place. */
export function redactUrlInPlace(url: URL): void {
  if (url.username) url.username = REDACTED;
  if (url.password) url.password = REDACTED;
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) url.searchParams.set(name, REDACTED);
  }
}

/** A URL with credential query parameters and userinfo replaced. Accepts strings or URL objects. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    redactUrlInPlace(parsed);
    return parsed.toString().replace(/%5BREDACTED%5D/g, REDACTED);
  } catch {
    return redactText(String(url));
  }
}

/** A copy of headers with credential values replaced. */
export function redactHeaders(
  headers: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (!headers) return undefined;
  if (typeof headers !== 'object') {
    throw new ArgumentCheck('redactHeaders').error('headers', 'a headers object or undefined', headers);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  }
  return out;
}

/**
 * The credential values a request carries: credential headers (and the bare token of
 * "Bearer abc"), credential query parameters and a URL password. Values under 4 characters
 * are left out: redacting them would mangle ordinary text.
 */
export function credentialsIn(
  url: URL | string | undefined,
  headers: Readonly<Record<string, unknown>> | undefined,
): string[] {
  const out: string[] = [];
  // Runs on every request: a plain loop over the names, no arrays made for headers that carry nothing.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name) || !SECRET_HEADERS.has(name.toLowerCase())) continue;
    const value = headers[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      out.push(v);
      // "Bearer abc": the token alone may appear elsewhere too.
      const token = v.split(/\s+/).pop();
      if (token !== undefined && token !== v) out.push(token);
    }
  }
  // A URL carries credentials only in its query or user info: one without either is not parsed.
  const mayCarry =
    typeof url === 'string'
      ? /[?@]/.test(url)
      : url !== undefined && (url.search !== '' || url.username !== '' || url.password !== '');
  if (mayCarry) {
    try {
      const parsed = new URL(String(url));
      for (const [name, value] of parsed.searchParams) {
        if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) out.push(value);
      }
      if (parsed.password) out.push(decodeURIComponent(parsed.password));
    } catch {
      // A relative or invalid URL carries no query we could read.
    }
  }
  return out.length === 0 ? out : out.filter((s) => s.length >= 4);
}
