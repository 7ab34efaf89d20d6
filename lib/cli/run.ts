import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPolicyError } from '../policy/policy-error.js';
import { packageRoot } from '../policy/package-root.js';
import { CliError } from './cli-error.js';
import { checkCommand, explainCommand, vendorsCommand, type CliIo } from './commands.js';
import { USAGE } from './usage.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/**
 * Runs the command line and resolves to the exit status. Every failure becomes one line on
 * `stderr` (never a stack trace): 1 for bad input, 2 for wrong usage.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo & { stderr: NodeJS.WritableStream },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'explain':
        return await explainCommand(rest, io);
      case 'vendors':
        return vendorsCommand(rest, io);
      case 'check':
        return checkCommand(rest, io);
      case '--version':
      case '-v':
        io.stdout.write(`${version()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}" (try --help)`, 2);
    }
  } catch (error) {
    const exit = error instanceof CliError ? error.exitCode : 1;
    const message =
      error instanceof CliError || isPolicyError(error)
        ? error.message
        : `internal error: ${String((error as Error)?.message ?? error)}`;
    io.stderr.write(`vendor-resilience: ${message.split('\n')[0]}\n`);
    return exit;
  }
}
