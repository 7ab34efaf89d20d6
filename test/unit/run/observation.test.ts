import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { MAX_PARSE_CHARS } from '../../../lib/core/engine/envelope.js';
import { bodyText, MAX_SIGNAL_BODY_BYTES, wholeBodyText } from '../../../lib/run/observation.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

describe('wholeBodyText: a reply read whole, as the engine is handed it', () => {
  test('a body the engine parses whole is handed over as it is', () => {
    const text = JSON.stringify({ status: 'queued', pad: 'x'.repeat(1000) });
    expect(wholeBodyText(bytes(text))).toBe(text);
    expect(wholeBodyText(undefined)).toBe('');
  });

  test('a longer JSON body keeps every field, with long strings and arrays shortened', () => {
    const reply = {
      id: 'job_1',
      segments: Array.from({ length: 4000 }, (_, i) => ({ i, text: 'words' })),
      transcript: 'y'.repeat(200_000),
      status: 'processing',
      error: { code: 'SOMETHING', message: 'short' },
    };
    const text = wholeBodyText(bytes(JSON.stringify(reply)));
    expect(text.length).toBeLessThanOrEqual(MAX_PARSE_CHARS);
    const condensed = JSON.parse(text) as typeof reply;
    expect(condensed.status).toBe('processing');
    expect(condensed.error).toEqual(reply.error);
    expect(condensed.segments).toHaveLength(16);
    expect(condensed.transcript).toHaveLength(1024);
  });

  test('a long body that is not JSON, nests deeper than JSON.stringify goes, or stays too long is cut as bodyText cuts it', () => {
    const text = 'not json '.repeat(40_000);
    expect(wholeBodyText(bytes(text))).toBe(bodyText(bytes(text)));
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(wholeBodyText(bytes(deep))).toBe(bodyText(bytes(deep)));
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));
    expect(wholeBodyText(bytes(wide))).toBe(bodyText(bytes(wide)));
  });

  test('arbitrary bytes: never a throw, never more than the signal bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300_000 }), (body) => {
        const text = wholeBodyText(body);
        expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(4 * MAX_SIGNAL_BODY_BYTES);
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), fc.nat(100_000), (json, padLength) => {
        const text = `[${json},"${'p'.repeat(padLength)}"]`;
        const handed = wholeBodyText(bytes(text));
        // Whole when short; else condensed to what the engine parses, or cut as before.
        if (text.length <= MAX_PARSE_CHARS) expect(handed).toBe(text);
        else if (handed !== bodyText(bytes(text))) expect(handed.length).toBeLessThanOrEqual(MAX_PARSE_CHARS);
      }),
      { numRuns: 60 },
    );
  });
});
