import { startTimer, systemTime, type TimeSource } from './time-source.js';

/** The events of a response body (a got `Request`, an `IncomingMessage`) that {@link readBodyHead} listens to. */
export interface BodySource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  once(event: 'end' | 'error' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'end' | 'error' | 'close', listener: () => void): unknown;
  resume(): unknown;
}

/**
 * How long the start of an error response's body is waited for (ms, on the adapter's clock) before
 * the engine judges what arrived: a body that stalls after its headers is judged by its status,
 * headers and the bytes in so far, instead of holding the call (and its pacer turn) for as long as
 * the server keeps the connection open. fetch resolves at the headers, and a got stream hands its
 * response over at them: a call through the adapter must not wait on a body much longer than that.
 */
export const ERROR_BODY_WAIT_MS = 2_000;

/** A body being read: its first bytes once known, and how to stop early. */
export interface BodyHeadRead {
  /** The body's first `maxBytes` bytes (fewer when it ended first); never rejects. */
  done: Promise<Buffer>;
  /** Stops reading now; `done` resolves with what was read. */
  cancel: () => void;
}

/**
 * Reads the first `maxBytes` of an error response's body, for the engine (the vendor's error is
 * at its start): resolves at the body's end, error or close, once `maxBytes` are read, or after
 * `timeoutMs` when given, so a body that is huge or stalls costs a bounded amount. The rest is
 * drained unread. The timeout is an unref'd wait on `time` (the adapter's time source): the read
 * never keeps the process alive by itself.
 */
export function readBodyHead(
  source: BodySource,
  maxBytes: number,
  timeoutMs?: number,
  time: TimeSource = systemTime,
): BodyHeadRead {
  const chunks: Buffer[] = [];
  let size = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<Buffer>((resolve) => {
    let finished = false;
    const cancelTimer =
      timeoutMs === undefined ? undefined : startTimer(time, () => finish(), timeoutMs, { unref: true });
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) finish();
    };
    finish = () => {
      if (finished) return;
      finished = true;
      cancelTimer?.();
      source.off('data', onData);
      source.off('end', finish);
      source.off('error', finish);
      source.off('close', finish);
      source.resume();
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve(body.length > maxBytes ? body.subarray(0, maxBytes) : body);
    };
    source.on('data', onData);
    source.once('end', finish);
    source.once('error', finish);
    source.once('close', finish);
  });
  return { done, cancel: () => finish() };
}
