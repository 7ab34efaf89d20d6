/** Credentials shorter than this are not tracked: redacting them would mangle ordinary text. */
const MIN_SECRET_CHARS = 4;

/**
 * The credentials one call or session knows, for redaction: the caller's named ones (always kept)
 * plus those found on the wire. A WebSocket session mints a token per connection, so it keeps a
 * bounded tail of the found ones (`maxFound`); an HTTP call keeps all it sees.
 */
export class SecretList {
  private readonly found: string[] = [];
  /** The list handed out, rebuilt only when a credential is added (read on every error). */
  private snapshot: readonly string[];

  constructor(
    /** Credentials the caller named; always kept. */
    private readonly fixed: readonly string[],
    private readonly maxFound = Number.POSITIVE_INFINITY,
  ) {
    this.snapshot = fixed;
  }

  /** Remembers more credentials (values already known or too short are skipped). */
  add(values: readonly string[]): void {
    for (const value of values) {
      if (value.length < MIN_SECRET_CHARS || this.snapshot.includes(value)) continue;
      this.found.push(value);
      if (this.found.length > this.maxFound) this.found.splice(0, this.found.length - this.maxFound);
      this.snapshot = [...this.fixed, ...this.found];
    }
  }

  /** Every credential known now, for redaction (do not modify it). */
  list(): readonly string[] {
    return this.snapshot;
  }
}
