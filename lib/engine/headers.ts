import type { HeaderValue } from './types.js';

type Headers = Readonly<Record<string, HeaderValue | undefined>>;

/** Reads one header value into a number, or `undefined` when it does not hold one. */
export type HeaderReader = (value: string, nowMs: number) => number | undefined;

/**
 * The largest number `read` finds in the values of a header (case-insensitive name; a number
 * value is read as its text, an array value element by element), without building a list of
 * them. `asciiName`: the name is
 * printable ASCII, so only keys of its length can lower-case to it (lower-casing an ASCII name
 * never changes its length, and no non-ASCII character lower-cases into ASCII other than the Kelvin
 * sign, which keeps its length too); other keys are skipped without lower-casing them.
 */
export function largestHeaderNumber(
  headers: Headers,
  lowerName: string,
  asciiName: boolean,
  read: HeaderReader,
  nowMs: number,
): number | undefined {
  let best: number | undefined;
  for (const key in headers) {
    if (!Object.prototype.hasOwnProperty.call(headers, key)) continue;
    if (asciiName && key.length !== lowerName.length) continue;
    if (key.toLowerCase() !== lowerName) continue;
    const value = headers[key];
    if (typeof value === 'string') {
      const n = read(value, nowMs);
      if (n !== undefined && (best === undefined || n > best)) best = n;
    } else if (typeof value === 'number') {
      const n = read(String(value), nowMs);
      if (n !== undefined && (best === undefined || n > best)) best = n;
    } else if (Array.isArray(value)) {
      for (const v of value as readonly unknown[]) {
        if (typeof v !== 'string') continue;
        const n = read(v, nowMs);
        if (n !== undefined && (best === undefined || n > best)) best = n;
      }
    }
  }
  return best;
}
