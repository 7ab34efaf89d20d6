/** A failure the demo's own client code detects (a job that failed, an error line, a closed session), with a short reason. */
export class CallFailure extends Error {
  override readonly name = 'CallFailure';

  constructor(
    /** Short reason for the table (`job FAILED`, `close 1008`). */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The `type` field of a parsed JSON message, if it has one. */
export function messageType(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
