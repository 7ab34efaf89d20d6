import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPolicyError } from '../core/policy/policy-error.js';
import { packageRoot } from '../core/policy/package-root.js';
import { CliError } from './cli-error.js';
import { checkCommand, explainCommand, vendorsCommand, type CliIo } from './commands.js';
import { oneLine } from './one-line.js';
import { COMMAND_USAGE, USAGE } from './usage.js';

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
      case 'help': {
        // `help explain` is `explain --help`.
        const topic = rest[0];
        if (topic === undefined) {
          io.stdout.write(USAGE);
          return 0;
        }
        const text = Object.hasOwn(COMMAND_USAGE, topic) ? COMMAND_USAGE[topic] : undefined;
        if (text === undefined || rest.length > 1)
          throw new CliError(`help: no help on "${rest.join(' ')}"`, 2);
        io.stdout.write(text);
        return 0;
      }
      case undefined:
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}" (try --help)`, 2);
    }
  } catch (error) {
    const exit = error instanceof CliError ? error.exitCode : 1;
    // Our own messages are escaped whole (a file name may hold a newline); of anything else only the
    // first line is shown: a multi-line message is not ours (a stack, a quoted input).
    const message =
      error instanceof CliError || isPolicyError(error)
        ? error.message
        : `internal error: ${String((error as Error)?.message ?? error).split('\n')[0] ?? ''}`;
    const more = error instanceof CliError ? error.moreLines : [];
    for (const line of [message, ...more]) io.stderr.write(`vendor-resilience: ${oneLine(line)}\n`);
    return exit;
  }
}
