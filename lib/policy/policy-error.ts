/** A policy file that cannot be used: names the file, the field (a JSON pointer-like path) and the problem. */
export class PolicyError extends Error {
  /** Marker for cross-realm checks (`instanceof` fails across copies of the package). */
  readonly isPolicyError = true;
  override readonly name = 'PolicyError';

  constructor(
    /** The file (or `<inline>` for an object) the policy came from. */
    readonly file: string,
    /** Where in the document, e.g. `rules[3].action`; empty for the whole document. */
    readonly field: string,
    /** What is wrong, as a sentence fragment. */
    readonly problem: string,
  ) {
    super(`${file}: ${field === '' ? '(document)' : field}: ${problem}`);
  }
}

/** True for a {@link PolicyError}, also across package copies. */
export function isPolicyError(value: unknown): value is PolicyError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isPolicyError?: unknown }).isPolicyError === true
  );
}
