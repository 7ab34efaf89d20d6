import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Engine } from '../core/engine/engine.js';

/** Largest NDJSON line accepted, in characters; longer lines are reported as bad, not parsed. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** Options for {@link runBatch}. */
export interface BatchOptions {
  /** The vendor of lines that name none (`--vendor`, or the `--policy` vendor). */
  defaultVendor?: string;
}

function decideLine(
  engine: Engine,
  line: string,
  lineNo: number,
  defaultVendor: string | undefined,
): { text: string; bad: boolean } {
  if (line.length > MAX_LINE_CHARS) {
    return {
      text: JSON.stringify({ error: `line ${lineNo}: longer than ${MAX_LINE_CHARS} characters` }),
      bad: true,
    };
  }
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (error) {
    // V8's message quotes the input around the error, and the input may hold a credential: keep only the position.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = at === undefined ? '' : ` (at character ${at})`;
    return { text: JSON.stringify({ error: `line ${lineNo}: not JSON${where}` }), bad: true };
  }
  if (
    defaultVendor !== undefined &&
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    !Object.hasOwn(input, 'vendor')
  ) {
    (input as Record<string, unknown>)['vendor'] = defaultVendor;
  }
  const result = engine.tryDecide(input);
  if (result.ok) return { text: JSON.stringify(result.decision), bad: false };
  return { text: JSON.stringify({ error: `line ${lineNo}: ${result.error}` }), bad: true };
}

/**
 * Reads NDJSON signals and writes one NDJSON decision (or `{"error": …}`) per input line, in order,
 * respecting backpressure. Resolves to the number of bad lines.
 */
export async function runBatch(
  engine: Engine,
  input: Readable,
  output: Writable,
  options: BatchOptions = {},
): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let bad = 0;
  let lineNo = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const text = chunk.join('\n') + '\n';
    chunk = [];
    if (!output.write(text)) await new Promise<void>((resolve) => output.once('drain', resolve));
  };
  for await (const line of lines) {
    lineNo++;
    const out = decideLine(engine, line, lineNo, options.defaultVendor);
    if (out.bad) bad++;
    chunk.push(out.text);
    if (chunk.length >= 512) await flush();
  }
  await flush();
  return bad;
}
