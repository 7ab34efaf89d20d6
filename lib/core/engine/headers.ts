import type { HeaderValue } from './types.js';

type Headers = Readonly<Record<string, HeaderValue | undefined>>;

/** Reads one header value into a number, or `undefined` when it does not hold one. */
export type HeaderReader = (value: string, nowMs: number) => number | undefined;

/**
 * The largest number `read` finds in the values of a header (case-insensitive name; a number
 * value is read as its text, an array value element by element).
 */
export function largestHeaderNumber(
  headers: Headers,
  lowerName: string,
  read: HeaderReader,
  nowMs: number,
): number | undefined {
  let best: number | undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== lowerName) continue;
    const value: unknown = headers[key];
    const texts: readonly unknown[] =
      typeof value === 'number' ? [String(value)] : Array.isArray(value) ? value : [value];
    for (const text of texts) {
      if (typeof text !== 'string') continue;
      const n = read(text, nowMs);
      if (n !== undefined && (best === undefined || n > best)) best = n;
    }
  }
  return best;
}
