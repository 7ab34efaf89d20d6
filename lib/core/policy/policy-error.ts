/** One thing wrong with a policy: where (a JSON pointer-like path, empty for the whole document) and what. */
export interface PolicyProblem {
  /** Where in the document, e.g. `rules[3].action`; empty for the whole document. */
  readonly field: string;
  /** What is wrong, as a sentence fragment. */
  readonly problem: string;
  /** The file holding the field, when it is not the error's `file` (a base the policy extends). */
  readonly file?: string;
}

/** A policy file that cannot be used: names the file, the field (a JSON pointer-like path) and the problem. */
export class PolicyError extends Error {
  /** Marker for cross-realm checks (`instanceof` fails across copies of the package). */
  readonly isPolicyError = true;
  override readonly name = 'PolicyError';
  /**
   * Every problem found, the one the message names first. Schema validation reports all it finds
   * (so `check` can list them at once); later checks stop at the first problem, so hold only it.
   */
  readonly problems: readonly PolicyProblem[];

  constructor(
    /** The file (or `<inline>` for an object) the policy came from. */
    readonly file: string,
    /** Where in the document, e.g. `rules[3].action`; empty for the whole document. */
    readonly field: string,
    /** What is wrong, as a sentence fragment. */
    readonly problem: string,
    /** Further problems found in the same pass, after this one. */
    more: readonly PolicyProblem[] = [],
  ) {
    super(`${file}: ${field === '' ? '(document)' : field}: ${problem}`);
    this.problems = Object.freeze([
      Object.freeze({ field, problem }),
      ...more.map((p) => Object.freeze({ ...p })),
    ]);
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
