import { SECRET_HEADERS, SECRET_QUERY_PARAMS } from '../errors/redact.js';

/** Credential values in a URL's query and userinfo, and in credential headers. */
export function secretsOf(url: URL, headers: Readonly<Record<string, string>> | undefined): string[] {
  const found: string[] = [];
  for (const [name, value] of url.searchParams) {
    if (SECRET_QUERY_PARAMS.has(name.toLowerCase()) && value !== '') found.push(value);
  }
  if (url.password) found.push(decodeURIComponent(url.password));
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (SECRET_HEADERS.has(name.toLowerCase()) && value !== '') {
      found.push(value);
      // "Bearer abc": the bare token may show up on its own too.
      const token = /^\S+\s+(\S{4,})$/.exec(value)?.[1];
      if (token !== undefined) found.push(token);
    }
  }
  return found;
}

/** The most recent credentials a session has used (tokens are minted per connection, so keep a bounded tail). */
export class SecretList {
  private readonly values: string[] = [];

  constructor(
    /** Credentials the caller named; always kept. */
    private readonly fixed: readonly string[],
    private readonly maxKept = 64,
  ) {}

  /** Remembers more credentials. */
  add(values: readonly string[]): void {
    for (const value of values) if (!this.values.includes(value)) this.values.push(value);
    if (this.values.length > this.maxKept) this.values.splice(0, this.values.length - this.maxKept);
  }

  /** A snapshot for redaction. */
  list(): readonly string[] {
    return [...this.fixed, ...this.values];
  }
}
