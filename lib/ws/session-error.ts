import { redactText } from '../errors/redact.js';

/**
 * A session ended by something other than the vendor: a URL, header or setup callback threw, or
 * `ws` refused the URL. The message and cause are redacted; the vendor's own failures are
 * `VendorError`s instead.
 */
export class WebSocketSessionError extends Error {
  override readonly name = 'WebSocketSessionError';
  /** Stable code for programmatic checks. */
  readonly code = 'ERR_WS_SESSION';

  constructor(what: string, cause: unknown, secrets: readonly string[]) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(redactText(`${what}: ${detail}`, secrets));
    if (cause instanceof Error) {
      const clean = new Error(redactText(cause.message, secrets));
      clean.name = cause.name;
      clean.stack = redactText(cause.stack ?? '', secrets);
      Object.defineProperty(this, 'cause', { value: clean, enumerable: false, configurable: true });
    }
    if (this.stack) this.stack = redactText(this.stack, secrets);
  }
}
