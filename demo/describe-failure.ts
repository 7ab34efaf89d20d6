import { HTTPError, RequestError } from 'got';
import { isVendorError } from '../lib/run/errors.js';
import type { RecordedRequest } from '../lib/testing/index.js';
import { CallFailure } from './clients/call-failure.js';

/**
 * A short reason for a failed call, the same shape on both sides: the vendor code where there is
 * one (from the typed error, or for got's HTTPError from what the simulator answered last).
 */
export function describeFailure(error: unknown, entries: readonly RecordedRequest[]): string {
  if (isVendorError(error)) {
    // A network failure's code: on the cause (VendorError) or on got's own error (got adapter).
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    const ownCode =
      error.code !== error.vendorCode && !error.code?.startsWith('ERR_') ? error.code : undefined;
    const networkCode = typeof causeCode === 'string' ? causeCode : ownCode;
    const what =
      error.vendorCode ?? (networkCode === undefined ? error.category : `${error.category} ${networkCode}`);
    return error.status === undefined ? what : `${error.status} ${what}`;
  }
  if (error instanceof CallFailure) return error.reason;
  if (error instanceof HTTPError) {
    const code = [...entries].reverse().find((e) => e.transport === 'http')?.code;
    return code === undefined ? `${error.response.statusCode}` : `${error.response.statusCode} ${code}`;
  }
  if (error instanceof RequestError) return error.code;
  return error instanceof Error ? error.message.slice(0, 80) : String(error);
}
