import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist/lib/cli/main.js');

/** How a run of the built CLI ended. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args` in `cwd` (relative file names are the user's); never rejects. */
export function runCli(args: readonly string[], cwd?: string): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { ...(cwd === undefined ? {} : { cwd }), encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) => {
        done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}
