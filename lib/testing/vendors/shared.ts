import type { IncomingHttpHeaders } from 'node:http';
import type { HttpContext, HttpReply, VendorEnvironment } from '../vendor-contract.js';

/** Whether `provided` is acceptable: anything goes when the simulator was started without an API key. */
export function credentialAccepted(environment: VendorEnvironment, provided: string | undefined): boolean {
  return environment.apiKey === undefined || provided === environment.apiKey;
}

/**
 * A guard for HTTP routes that authenticate with one API-key header: true when the key is
 * accepted, otherwise it answers with the vendor's auth error and returns false.
 */
export function apiKeyGuard(
  environment: VendorEnvironment,
  header: string,
  authError: () => HttpReply,
): (context: HttpContext) => boolean {
  return (context) => {
    if (credentialAccepted(environment, headerValue(context.headers, header))) return true;
    context.reply.send(authError());
    return false;
  };
}

/** A single header value (first one when repeated). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The key from `Authorization: <scheme> <key>` (any scheme: Bearer, ELSA …) or a bare value. */
export function authorizationKey(headers: IncomingHttpHeaders): string | undefined {
  const value = headerValue(headers, 'authorization');
  if (value === undefined) return undefined;
  const parts = value.trim().split(/\s+/);
  return parts.length > 1 ? parts.slice(1).join(' ') : parts[0];
}

/** Parses a JSON object from a body; undefined when it is not a JSON object. */
export function parseJsonObject(body: Buffer | string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString());
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Deterministic fake audio: `sizeBytes` bytes derived from `seed`, so tests can compare payloads. */
export function fakeAudio(sizeBytes: number, seed: number): Buffer {
  const audio = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 1) audio[i] = (seed * 31 + i) & 0xff;
  return audio;
}

/** The words of a text (at least one, so every request yields some output). */
export function wordsOf(text: string): string[] {
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  return words.length > 0 ? words : ['(silence)'];
}

/** What the simulated speech-to-text endpoints "hear": a fixed transcript. */
export const SIMULATED_TRANSCRIPT: readonly string[] = ['hello', 'from', 'the', 'vendor', 'simulator'];
