import type { HeaderValue } from './types.js';

/** Every value of a header (case-insensitive name), flattened; empty when absent. */
export function headerValues(
  headers: Readonly<Record<string, HeaderValue | undefined>> | undefined,
  lowerName: string,
): string[] {
  if (!headers) return [];
  const out: string[] = [];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== lowerName) continue;
    const value = headers[key];
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'number') out.push(String(value));
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') out.push(v);
  }
  return out;
}
