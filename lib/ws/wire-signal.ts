import type { RawData } from 'ws';
import type { Signal } from '../engine/types.js';
import type { ConnectionEnd } from './connection.js';

/** A text message's content, whatever shape `ws` delivered it in. */
export function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** A network error code for a connection that failed before the upgrade completed. */
export function networkErrorCode(error: Error | undefined): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (error && /timed out/i.test(error.message)) return 'ETIMEDOUT';
  return 'ECONNABORTED';
}

/** What the session knew about a connection when it ended, besides the socket's own report. */
export interface ConnectionOutcome {
  /** The server's last error message on it. */
  errorMessage: string | undefined;
  /** It was dropped for not coming up within `connectTimeoutMs`. */
  timedOut: boolean;
}

/**
 * The engine signal for how a connection ended: the rejected upgrade's status, headers and body;
 * a timeout when it did not come up in time; the network error when it never opened; otherwise
 * the close code together with the server's last error message (the engine prefers the message's
 * own code).
 */
export function signalForEnd(
  vendor: string,
  attempt: number,
  end: ConnectionEnd,
  outcome: ConnectionOutcome,
): Signal {
  const base: Signal = { vendor, transport: 'ws', attempt };
  const { errorMessage } = outcome;
  if (end.upgrade) {
    return { ...base, status: end.upgrade.status, headers: end.upgrade.headers, body: end.upgrade.body };
  }
  // An error message the server sent before we gave up says more than our timeout does.
  if (outcome.timedOut && errorMessage === undefined) return { ...base, error: 'ETIMEDOUT' };
  if (!end.opened) return { ...base, error: networkErrorCode(end.error) };
  return { ...base, closeCode: end.code, ...(errorMessage === undefined ? {} : { message: errorMessage }) };
}
