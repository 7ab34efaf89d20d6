import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import type { Engine } from '../core/engine/engine.js';

/** Largest NDJSON line accepted, in characters; longer lines are reported as bad, not parsed. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * Most bytes of one input line handed to the line reader (24 MiB and a byte): a UTF-16 character
 * takes at most 3 UTF-8 bytes, so a line with more is longer than {@link MAX_LINE_CHARS} whatever
 * it holds, and the rest of it is dropped unread. Without this bound a line that never ends (a
 * stdin fed from /dev/zero) was held whole until the process ran out of memory.
 */
const MAX_LINE_BYTES_HELD = MAX_LINE_CHARS * 3 + 1;

const LF = 0x0a;
const CR = 0x0d;

/**
 * The input's bytes with every line cut after {@link MAX_LINE_BYTES_HELD} bytes, its line breaks
 * kept (LF, CR, as the line reader splits on both), so the reader holds a bounded amount of a line
 * and still sees it as too long. A chunk with no line to cut is passed on as it is.
 */
async function* cutLongLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  /** Bytes of the current line passed on so far. */
  let held = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const kept: Buffer[] = [];
    let cut = false;
    let nextLf = bytes.indexOf(LF);
    let nextCr = bytes.indexOf(CR);
    for (let start = 0; start < bytes.length;) {
      // Each break byte is searched for once per chunk: a chunk of many short lines costs its length.
      if (nextLf !== -1 && nextLf < start) nextLf = bytes.indexOf(LF, start);
      if (nextCr !== -1 && nextCr < start) nextCr = bytes.indexOf(CR, start);
      const lineBreak = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      const end = lineBreak === -1 ? bytes.length : lineBreak;
      const take = Math.min(end - start, MAX_LINE_BYTES_HELD - held);
      if (take < end - start) cut = true;
      kept.push(bytes.subarray(start, start + take));
      held += take;
      if (lineBreak === -1) break;
      kept.push(bytes.subarray(lineBreak, lineBreak + 1));
      held = 0;
      start = lineBreak + 1;
    }
    yield cut ? Buffer.concat(kept) : bytes;
  }
}

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
  const lines = createInterface({ input: Readable.from(cutLongLines(input)), crlfDelay: Infinity });
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
