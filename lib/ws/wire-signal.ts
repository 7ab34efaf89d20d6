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

/**
 * The engine signal for how a connection ended: the rejected upgrade's status, headers and body;
 * the network error when it never opened; otherwise the close code together with the server's
 * last error message (the engine prefers the message's own code).
 */
export function signalForEnd(
  vendor: string,
  attempt: number,
  end: ConnectionEnd,
  errorMessage: string | undefined,
): Signal {
  const base: Signal = { vendor, transport: 'ws', attempt };
  if (end.upgrade) {
    return { ...base, status: end.upgrade.status, headers: end.upgrade.headers, body: end.upgrade.body };
  }
  if (!end.opened) return { ...base, error: networkErrorCode(end.error) };
  return { ...base, closeCode: end.code, ...(errorMessage === undefined ? {} : { message: errorMessage }) };
}
