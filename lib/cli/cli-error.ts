/** A command-line problem reported as one line and an exit status, never a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** 1 for bad input (signal, policy), 2 for wrong usage. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
