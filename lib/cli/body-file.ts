import { closeSync, openSync } from 'node:fs';
import { readAtMost } from '../run/read-at-most.js';
import { CliError } from './cli-error.js';

/** Largest `--body-file` read, in bytes: as large as a batch line may be. */
export const MAX_BODY_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads `--body-file` with a bound. Pipes stay allowed (`--body-file <(curl …)` is a FIFO), so
 * the bound is on the bytes read, not the file's kind: /dev/zero fails after 8 MiB instead of
 * filling memory. The content is never part of an error.
 */
export function readBodyFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new CliError(
      `--body-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      1,
    );
  }
  try {
    const { bytes, over } = readAtMost(fd, MAX_BODY_FILE_BYTES);
    if (over) {
      throw new CliError(`--body-file: ${path} holds more than ${MAX_BODY_FILE_BYTES} bytes`, 1);
    }
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `--body-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      1,
    );
  } finally {
    closeSync(fd);
  }
}
