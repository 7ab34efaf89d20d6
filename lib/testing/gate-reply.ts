import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GateFault } from './fault-scheduler.js';
import type { HttpReply, VendorModule } from './vendor-contract.js';

/**
 * The answer for an answering fault (everything but `drop`), in the vendor's own envelope, with
 * `Retry-After` when a wait is known and the fault does not suppress it.
 */
export function gateReply(
  vendor: VendorModule,
  fault: Exclude<GateFault, { kind: 'drop' }>,
  retryAfterSeconds: number | undefined,
): HttpReply {
  const waitSeconds =
    retryAfterSeconds ??
    (fault.kind === 'error' && fault.code !== undefined
      ? vendor.documentedRetryAfterSeconds?.(fault.code)
      : undefined);
  const reply = buildReply(vendor, fault, waitSeconds);
  const sendHeader = !('sendRetryAfterHeader' in fault) || fault.sendRetryAfterHeader !== false;
  if (waitSeconds !== undefined && sendHeader) {
    reply.headers = { ...reply.headers, 'retry-after': String(Math.ceil(waitSeconds)) };
  }
  return reply;
}

function buildReply(
  vendor: VendorModule,
  fault: Exclude<GateFault, { kind: 'drop' }>,
  retryAfterSeconds: number | undefined,
): HttpReply {
  switch (fault.kind) {
    case 'reject-upgrade':
      return {
        status: fault.status,
        contentType: 'text/plain',
        body: fault.body ?? STATUS_CODES[fault.status] ?? 'Rejected',
      };
    case 'warm-up':
      return vendor.errorReply('warm-up', {
        status: 503,
        code: fault.code,
        message: fault.message,
        retryAfterSeconds,
      });
    case 'rate-limit':
      return vendor.errorReply('rate-limit', {
        status: 429,
        code: fault.code,
        message: fault.message,
        retryAfterSeconds,
      });
    case 'error':
      if (fault.rawBody !== undefined) {
        return { status: fault.status ?? 500, contentType: 'text/plain', body: fault.rawBody };
      }
      return vendor.errorReply('error', {
        status: fault.status,
        code: fault.code,
        message: fault.message,
        retryAfterSeconds,
      });
  }
}

/** Answers a WebSocket upgrade request with a plain HTTP response on the raw socket, then closes it. */
export function rejectUpgrade(socket: Duplex, reply: HttpReply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const lines = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Error'}`,
    `Content-Type: ${reply.contentType}`,
    `Content-Length: ${body.length}`,
    'Connection: close',
    ...Object.entries(reply.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
}
