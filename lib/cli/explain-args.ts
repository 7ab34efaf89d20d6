import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Signal } from '../engine/types.js';
import { CliError } from './cli-error.js';

/** The parsed `explain` command line. */
export interface ExplainArgs {
  batch: boolean;
  json: boolean;
  /** The signal as raw JSON-like input (validated later by the engine); absent with `--batch`. */
  signal: Record<string, unknown> | undefined;
}

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
  if (v.batch) return { batch: true, json: true, signal: undefined };
  if (v.vendor === undefined) throw new CliError('explain: --vendor is required (or use --batch)', 2);
  if (v.body !== undefined && v['body-file'] !== undefined) {
    throw new CliError('explain: give --body or --body-file, not both', 2);
  }
  const signal: Record<string, unknown> = { vendor: v.vendor };
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
  if (v['body-file'] !== undefined) {
    try {
      signal['body'] = readFileSync(v['body-file'], 'utf8');
    } catch (error) {
      throw new CliError(
        `--body-file: cannot read ${v['body-file']} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        1,
      );
    }
  } else put('body', v.body);
  put('streamLine', v['stream-line']);
  put('message', v.message);
  put('closeCode', integer('close-code', v['close-code']));
  put('error', v.error);
  put('attempt', integer('attempt', v.attempt));
  if (signal['message'] !== undefined || signal['closeCode'] !== undefined) signal['transport'] ??= 'ws';
  return { batch: false, json: v.json, signal };
}
