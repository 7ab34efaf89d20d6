/** A command-line problem reported as one line (or one line per problem) and an exit status, never a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** 1 for bad input (signal, policy), 2 for wrong usage. */
    readonly exitCode: 1 | 2,
    /** Further problems, one line each after the message (e.g. every schema problem `check` found). */
    readonly moreLines: readonly string[] = [],
  ) {
    super(message);
  }
}
