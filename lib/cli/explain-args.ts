import { parseArgs } from 'node:util';
import type { Signal } from '../core/engine/types.js';
import { readBodyFile } from './body-file.js';
import { CliError } from './cli-error.js';

/** The parsed `explain` command line. */
export interface ExplainArgs {
  batch: boolean;
  json: boolean;
  /** `--vendor`: a vendor name (any case), or outside `--batch` possibly a policy file's path. */
  vendor: string | undefined;
  /** `--policy`: a policy file's path. */
  policy: string | undefined;
  /**
   * The signal without its vendor, as raw JSON-like input (validated later by the engine);
   * absent with `--batch`.
   */
  signal: Record<string, unknown> | undefined;
}

/** The flags that describe one signal: meaningless with `--batch`, where stdin carries the signals. */
const SIGNAL_FLAGS = [
  'transport',
  'phase',
  'status',
  'header',
  'body',
  'body-file',
  'stream-line',
  'message',
  'close-code',
  'error',
  'attempt',
] as const;

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new CliError(`--${flag}: expected an integer, got "${value}"`, 2);
  return Number(value);
}

function header(line: string): [string, string] {
  const colon = line.indexOf(':');
  // The value is not echoed: a malformed header line is often a credential missing its colon.
  if (colon <= 0) throw new CliError('--header: expected "Name: value" (no ":" after a header name)', 2);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

/** Parses `explain`'s flags into a signal-shaped object (types are checked again by the engine). */
export function parseExplainArgs(argv: readonly string[]): ExplainArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        vendor: { type: 'string' },
        policy: { type: 'string' },
        transport: { type: 'string' },
        phase: { type: 'string' },
        status: { type: 'string' },
        header: { type: 'string', multiple: true },
        body: { type: 'string' },
        'body-file': { type: 'string' },
        'stream-line': { type: 'string' },
        message: { type: 'string' },
        'close-code': { type: 'string' },
        error: { type: 'string' },
        attempt: { type: 'string' },
        json: { type: 'boolean', default: false },
        batch: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new CliError(`explain: ${(error as Error).message}`, 2);
  }
  const v = parsed.values;
  if (v.batch) {
    // Silently ignoring `--status 500` next to --batch would hide a mistake.
    const stray = SIGNAL_FLAGS.find((flag) => v[flag] !== undefined);
    if (stray !== undefined) {
      throw new CliError(
        `explain: --${stray} describes one signal; with --batch, signals come from stdin`,
        2,
      );
    }
    return { batch: true, json: true, vendor: v.vendor, policy: v.policy, signal: undefined };
  }
  if (v.vendor === undefined && v.policy === undefined) {
    throw new CliError('explain: --vendor is required (or --policy FILE, or --batch)', 2);
  }
  if (v.body !== undefined && v['body-file'] !== undefined) {
    throw new CliError('explain: give --body or --body-file, not both', 2);
  }
  const signal: Record<string, unknown> = {};
  const put = (key: keyof Signal, value: unknown): void => {
    if (value !== undefined) signal[key] = value;
  };
  put('transport', v.transport);
  put('phase', v.phase);
  put('status', integer('status', v.status));
  if (v.header && v.header.length > 0) {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of v.header.map(header)) {
      const prior = headers[name];
      headers[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    signal['headers'] = headers;
  }
  if (v['body-file'] !== undefined) signal['body'] = readBodyFile(v['body-file']);
  else put('body', v.body);
  put('streamLine', v['stream-line']);
  put('message', v.message);
  put('closeCode', integer('close-code', v['close-code']));
  put('error', v.error);
  put('attempt', integer('attempt', v.attempt));
  if (signal['message'] !== undefined || signal['closeCode'] !== undefined) signal['transport'] ??= 'ws';
  return { batch: false, json: v.json, vendor: v.vendor, policy: v.policy, signal };
}
