import { readSync } from 'node:fs';

/**
 * Reads an open file until its end or `maxBytes + 1` bytes, whichever comes first: a bounded
 * read of something that may never end (/dev/zero, a pipe). `over` says the bound was passed.
 */
export function readAtMost(fd: number, maxBytes: number): { bytes: Buffer; over: boolean } {
  const buffer = Buffer.allocUnsafe(maxBytes + 1);
  let length = 0;
  for (let n = -1; n !== 0 && length < buffer.length; length += n) {
    n = readSync(fd, buffer, length, buffer.length - length, null);
  }
  return { bytes: buffer.subarray(0, length), over: length > maxBytes };
}
