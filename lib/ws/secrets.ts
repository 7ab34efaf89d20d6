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
