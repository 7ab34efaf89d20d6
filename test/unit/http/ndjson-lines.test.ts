import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { ndjsonLines } from '../../../lib/http/index.js';

async function lines(chunks: (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of ndjsonLines(Readable.from(chunks))) out.push(line);
  return out;
}

describe('ndjsonLines', () => {
  it('joins lines split across chunks, handles CRLF, skips blanks and keeps a final unterminated line', async () => {
    expect(await lines(['{"a":', '1}\r\n\n{"b"', ':2}\n{"c":3}'])).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('does not break a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('{"text":"é"}\n');
    expect(await lines([bytes.subarray(0, 10), bytes.subarray(10)])).toEqual(['{"text":"é"}']);
  });
});
