import { ArgumentCheck } from '../../run/validate-arguments.js';

/** The longest line {@link ndjsonLines} holds by default: 8 MiB (a message stream's line is a message). */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

/** A line grew past its limit without a newline: the stream is not read further. */
export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
  readonly code = 'ERR_LINE_TOO_LONG';
  constructor(readonly maxLineBytes: number) {
    super(`a line grew past maxLineBytes (${maxLineBytes} bytes) without a newline`);
  }
}

const NEWLINE = 0x0a;

/**
 * Most pieces of an unfinished line held apart: each is a view that keeps its chunk alive (a few
 * hundred bytes for a one-byte chunk), so a server that sends a line a byte per TCP segment made
 * it cost hundreds of times its bytes. Past this many, the pieces since the last merge are copied
 * into one: a line costs about its bytes, and each byte is copied once more at most.
 */
const MAX_LOOSE_PIECES = 256;

/** One complete line's bytes as text, without a trailing CR; `undefined` for a blank line. */
function lineText(parts: Buffer[], size: number): string | undefined {
  const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
  const text = bytes.toString('utf8').replace(/\r$/, '');
  return text.trim() === '' ? undefined : text;
}

/**
 * Splits a byte stream into text lines (LF or CRLF), skipping blank lines; a final unterminated
 * line counts. Linear in the bytes read: each chunk is searched once, and a line's pieces are
 * joined once, when its newline arrives (a line in many small pieces is merged as it grows, see
 * {@link MAX_LOOSE_PIECES}). A line longer than `maxLineBytes` throws a {@link LineTooLongError}
 * before more of it is held, so memory stays within that bound.
 */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<string> {
  const check: ArgumentCheck = new ArgumentCheck('ndjsonLines');
  const iterable = source as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null;
  // for await also reads a sync iterable of chunks (an array); a string would be read character by character.
  check.that(
    typeof iterable?.[Symbol.asyncIterator] === 'function' ||
      (typeof source !== 'string' && typeof iterable?.[Symbol.iterator] === 'function'),
    'source',
    'an async iterable of Buffers or strings (a readable stream)',
    source,
  );
  check.number('maxLineBytes', maxLineBytes, { min: 1, integer: true });
  // A newline byte never occurs inside a multi-byte UTF-8 character, so lines are cut on bytes
  // and decoded whole.
  let parts: Buffer[] = [];
  let size = 0;
  /** Pieces at the start of `parts` that are merges of earlier ones. */
  let merged = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let newline = bytes.indexOf(NEWLINE); newline >= 0; newline = bytes.indexOf(NEWLINE, start)) {
      if (size + newline - start > maxLineBytes) throw new LineTooLongError(maxLineBytes);
      parts.push(bytes.subarray(start, newline));
      const line = lineText(parts, size + newline - start);
      parts = [];
      size = 0;
      merged = 0;
      start = newline + 1;
      if (line !== undefined) yield line;
    }
    if (start < bytes.length) {
      size += bytes.length - start;
      if (size > maxLineBytes) throw new LineTooLongError(maxLineBytes);
      parts.push(bytes.subarray(start));
      if (parts.length - merged >= MAX_LOOSE_PIECES) {
        parts.push(Buffer.concat(parts.splice(merged)));
        merged = parts.length;
      }
    }
  }
  if (size > 0) {
    const line = lineText(parts, size);
    if (line !== undefined) yield line;
  }
}

/** A line's JSON value, or the line itself when it is not JSON. */
export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}
