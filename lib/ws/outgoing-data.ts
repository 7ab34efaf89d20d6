import type { OutgoingData, SetupMessage } from './types.js';

/** Size of one outgoing message in bytes (UTF-8 for text). */
export function byteLengthOf(data: OutgoingData): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

/** True for data `ws` can send as it is. */
export function isOutgoingData(value: unknown): value is OutgoingData {
  return typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** A setup message as sendable data: plain objects become JSON text. */
export function setupToData(message: SetupMessage): OutgoingData {
  return isOutgoingData(message) ? message : JSON.stringify(message);
}
