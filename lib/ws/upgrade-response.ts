import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { unrefTimer } from './scheduler.js';

/** A rejected WebSocket upgrade, as the engine reads it. */
export interface RejectedUpgrade {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's first bytes as UTF-8 text. */
  body: string;
}

/**
 * Reads a rejected upgrade's status, headers and at most `maxBytes` of its body. Stops after
 * `timeoutMs` when the body stalls, so a slow server cannot hold the session. Never rejects.
 */
export function readRejectedUpgrade(
  response: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): { done: Promise<RejectedUpgrade>; cancel: () => void } {
  const chunks: Buffer[] = [];
  let size = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<RejectedUpgrade>((resolve) => {
    let finished = false;
    const timer = unrefTimer(() => finish(), timeoutMs);
    finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      response.off('data', onData);
      response.off('end', finish);
      response.off('error', finish);
      response.off('close', finish);
      response.resume();
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'),
      });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) finish();
    };
    response.on('data', onData);
    response.once('end', finish);
    response.once('error', finish);
    response.once('close', finish);
  });
  return { done, cancel: () => finish() };
}
