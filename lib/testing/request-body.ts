import type { IncomingMessage } from 'node:http';

/** Bodies beyond this are counted but not kept: the simulator only needs their size and a prefix. */
export const MAX_KEPT_BODY_BYTES = 8 * 1024 * 1024;

/** A request body as read: the kept bytes and the full size. */
export interface ReadBody {
  /** Up to {@link MAX_KEPT_BODY_BYTES} bytes. */
  body: Buffer;
  /** Every byte received. */
  totalBytes: number;
}

/** Reads a request body; a client that aborts yields what arrived. */
export function readRequestBody(req: IncomingMessage): Promise<ReadBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let keptBytes = 0;
    let totalBytes = 0;
    req.on('data', (chunk: Buffer) => {
      totalBytes += chunk.length;
      if (keptBytes + chunk.length <= MAX_KEPT_BODY_BYTES) {
        chunks.push(chunk);
        keptBytes += chunk.length;
      }
    });
    const done = (): void => resolve({ body: Buffer.concat(chunks), totalBytes });
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
  });
}
