import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { LineTooLongError, ndjsonLines } from '../../../lib/adapters/got/ndjson-lines.js';

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

describe('ndjsonLines: long lines', () => {
  it('a 20 MB line in 64 KiB chunks comes out whole, once its newline arrives', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = Array.from({ length: 320 }, () => chunk);
    const out: string[] = [];
    const source = Readable.from([...chunks, '\n{"b":2}\n']);
    for await (const line of ndjsonLines(source, 32 * 1024 * 1024)) out.push(line);
    expect(out).toHaveLength(2);
    expect(out[0]?.length).toBe(320 * 64 * 1024);
    expect(out[1]).toBe('{"b":2}');
  });

  it('a line past maxLineBytes throws LineTooLongError after reading about that much, not the whole stream', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n');
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield Buffer.alloc(64 * 1024, 0x62);
      }
    }
    const seen: string[] = [];
    const error = await (async () => {
      for await (const line of ndjsonLines(endless(), 1024 * 1024)) seen.push(line);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['{"a":1}']);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ code: 'ERR_LINE_TOO_LONG', maxLineBytes: 1024 * 1024 });
    // 1 MiB is 16 chunks: the 17th crosses the limit.
    expect(pulled).toBe(17);
  });

  it('a line of exactly maxLineBytes is kept; CRLF and multi-byte text are counted in bytes', async () => {
    const out: string[] = [];
    for await (const line of ndjsonLines(Readable.from([Buffer.from('ééé\r\n')]), 7)) out.push(line);
    expect(out).toEqual(['ééé']);
  });
});
