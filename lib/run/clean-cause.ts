import { types } from 'node:util';
import { redactText } from './redact.js';

/**
 * Replaces a cause (often a got or ws error holding request options with headers) by a plain
 * error that keeps its name, code and a redacted message and stack (and its own causes', five
 * deep), and nothing else: what every error of the library carries as its `cause`. A string
 * cause is redacted; anything else is dropped (`undefined`).
 */
export function cleanCause(cause: unknown, secrets: readonly string[], depth = 0): unknown {
  // An error of another realm (fetch's, under jest or in a vm context) is an error too.
  if (!(cause instanceof Error || types.isNativeError(cause))) {
    return typeof cause === 'string' ? redactText(cause, secrets) : undefined;
  }
  const clean = new Error(redactText(cause.message, secrets));
  clean.name = cause.name;
  clean.stack = redactText(cause.stack ?? '', secrets);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') (clean as { code?: string }).code = code;
  if (depth < 5 && cause.cause !== undefined) {
    Object.defineProperty(clean, 'cause', {
      value: cleanCause(cause.cause, secrets, depth + 1),
      enumerable: false,
    });
  }
  return clean;
}
