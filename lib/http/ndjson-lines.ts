import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into text lines (LF or CRLF), skipping blank lines; a final unterminated line counts. */
export async function* ndjsonLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      if (line.trim() !== '') yield line;
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield pending.replace(/\r$/, '');
}

/** A line's JSON value, or the line itself when it is not JSON. */
export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}
