import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_PARSE_CHARS } from '../../lib/core/engine/envelope.js';
import { decide } from '../../lib/core/engine/decide.js';
import { compilePolicy, isPolicyError, type CompiledPolicy } from '../../lib/index.js';
import { patternHazard } from '../../lib/core/policy/pattern-safety.js';
import { parseRegex } from '../../lib/core/policy/regex-syntax.js';

/**
 * Issue 13 item 5: "decide() stays under 1 ms on any body within the cap for any accepted policy."
 * Patterns come from a small grammar that nests and overlaps repetitions freely; every one the
 * check accepts becomes a text envelope, and decide() is timed on bodies as long as the engine
 * reads (MAX_PARSE_CHARS), built to make a backtracking engine work: a run of a few characters of
 * the pattern, then a character that spoils the match.
 */

const env = { clock: { now: () => 1_776_772_800_000 }, random: () => 0.5 };
const BUDGET_MS = 1;

const LITERALS = ['a', 'b', 'x', ' ', ':', '1', '-', 'ab', 'error '] as const;
const atom = fc.constantFrom(
  ...LITERALS,
  '[ab]',
  '[^a]',
  '[a-z]',
  '\\d',
  '\\w',
  '\\s',
  '\\W',
  '.',
  '[\\s\\S]',
);
const quantifier = fc.constantFrom(
  '*',
  '+',
  '?',
  '{0,2}',
  '{0,3}',
  '{2}',
  '{1,4}',
  '{1,20}',
  '*?',
  '+?',
  '{2,}',
  '{3,4}',
);
const { pattern: body } = fc.letrec<{
  pattern: string;
  sequence: string;
  choice: string;
  repeat: string;
  group: string;
}>((tie) => ({
  // Repetitions weigh most: they are what backtracks.
  pattern: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: atom, weight: 2 },
    { arbitrary: tie('sequence'), weight: 2 },
    { arbitrary: tie('choice'), weight: 1 },
    { arbitrary: tie('repeat'), weight: 3 },
    { arbitrary: tie('group'), weight: 1 },
  ),
  sequence: fc.array(tie('pattern'), { minLength: 2, maxLength: 3 }).map((parts) => parts.join('')),
  choice: fc.tuple(tie('pattern'), tie('pattern')).map(([a, b]) => `(?:${a}|${b})`),
  // A repeated atom needs no group (`\d+`), as people write it.
  repeat: fc
    .tuple(fc.oneof(atom, tie('pattern')), quantifier)
    .map(([p, q]) => `${p.length === 1 || /^(\\.|\[[^\]]*\])$/.test(p) ? p : `(?:${p})`}${q}`),
  group: tie('pattern').map((p) => `(${p})`),
}));
/** Sometimes anchored at either end, as real envelope patterns often are. */
const pattern = fc
  .tuple(fc.boolean(), body, fc.boolean())
  .map(([start, p, end]) => `${start ? '^' : ''}${p}${end ? '$' : ''}`);

/** A body: `pump` repeated up to the engine's cap, then `tail` (kept short so a failure prints small). */
interface BodyShape {
  pump: string;
  tail: string;
}
const adversarial: fc.Arbitrary<BodyShape> = fc.record({
  pump: fc
    .array(fc.constantFrom('a', 'b', 'x', ' ', ':', '1', '-', 'e', 'r', 'o', '\n'), {
      minLength: 1,
      maxLength: 4,
    })
    .map((cs) => cs.join('')),
  tail: fc.constantFrom('', '!', '\n', 'y'),
});
const anyText: fc.Arbitrary<BodyShape> = fc.string({ maxLength: 64 }).map((s) => ({ pump: '', tail: s }));
const bodies = fc.tuple(adversarial, adversarial, adversarial, adversarial, anyText);

function build({ pump, tail }: BodyShape): string {
  if (pump === '') return tail;
  const length = MAX_PARSE_CHARS - tail.length;
  return pump.repeat(Math.ceil(length / pump.length)).slice(0, length) + tail;
}

function probe(textPattern: string): CompiledPolicy {
  return compilePolicy(
    {
      vendor: 'probe',
      title: 'Probe',
      docs: ['generated'],
      envelopes: [{ id: 'text', format: 'text', in: ['body'], pattern: textPattern }],
      rules: [
        {
          id: 'seen',
          match: { envelope: 'text' },
          action: 'fail',
          category: 'x',
          summary: 'the text envelope matched',
          source: 'generated',
        },
      ],
    },
    'probe.json',
  );
}

/**
 * The fastest of up to `runs` decisions, in ms: the minimum filters out collections and other work
 * on a shared machine. At least three runs (the first also compiles the pattern), then stops once
 * one was under budget, or at the first far over it (a backtracking pattern is slow on every run).
 */
function fastestMs(policy: CompiledPolicy, text: string, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    decide(policy, { vendor: 'probe', status: 500, body: text }, env);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    best = Math.min(best, ms);
    if ((i >= 2 && best < BUDGET_MS) || ms > 50 * BUDGET_MS) break;
  }
  return best;
}

/** How much slower than decide() with a literal pattern, on the same body, a pattern may be when the machine is busy. */
const BUSY_FACTOR = 4;

const REFUSAL = /can backtrack|too many partial matches|too large to check|too complex to check/;

describe('pattern safety: every accepted pattern is fast on hostile text', () => {
  const seen = { accepted: 0, acceptedWithLoops: 0, refused: 0 };
  let worst = { ms: 0, pattern: '', body: { pump: '', tail: '' } };

  it(`decide() takes under ${BUDGET_MS} ms on any body up to MAX_PARSE_CHARS`, () => {
    const literal = probe('error ');
    fc.assert(
      fc.property(pattern, bodies, (p, shapes) => {
        let policy: CompiledPolicy;
        try {
          policy = probe(p);
        } catch (error) {
          if (!isPolicyError(error)) throw error;
          expect(error.field).toBe('envelopes[0].pattern');
          expect(error.problem).toMatch(REFUSAL);
          seen.refused++;
          return;
        }
        seen.accepted++;
        if (/[*+]|\{\d+,\d*\}/.test(p)) seen.acceptedWithLoops++;
        for (const shape of shapes) {
          const text = build(shape);
          // Up to 30 tries: a busy machine can slow a few; a pattern that backtracks is slow on all.
          const ms = fastestMs(policy, text, 30);
          if (ms > worst.ms) worst = { ms, pattern: p, body: shape };
          // Over budget on a machine busy enough to slow every try (CI's 2 cores running jest's
          // workers), the same body with a literal pattern tells: a backtracking pattern costs
          // many times what the rest of decide() does, a busy machine slows both alike.
          const fast = ms < BUDGET_MS || ms < BUSY_FACTOR * fastestMs(literal, text, 30);
          expect({ pattern: p, body: shape, ms: fast ? 'under budget' : ms }).toEqual({
            pattern: p,
            body: shape,
            ms: 'under budget',
          });
        }
      }),
      // A failure is slow to run again, so it is reported as found rather than shrunk.
      { numRuns: 300, endOnFailure: true },
    );
    // The grammar must keep producing both kinds, or this test proves little.
    expect(seen.refused).toBeGreaterThan(20);
    expect(seen.acceptedWithLoops).toBeGreaterThan(40);
    // Visible with --verbose; kept in the report of issue 13 item 5.
    console.info(`pattern safety: ${JSON.stringify(seen)}; slowest decide ${JSON.stringify(worst)}`);
  }, 120_000);

  it('the issue pattern (a+)+$ is refused; run anyway, 23 characters already take far over budget', () => {
    expect(() => probe('(a+)+$')).toThrow(
      /nested or overlapping repetition `\(a\+\)\+` can backtrack exponentially/,
    );
    const started = process.hrtime.bigint();
    /(a+)+$/.test(`${'a'.repeat(22)}!`); // doubles with each further `a`: 29 characters take seconds
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThan(BUDGET_MS);
  });
});

/** Regex-like text: the pieces of the syntax in any order, mostly invalid. */
const regexish = fc
  .array(
    fc.constantFrom(
      '(',
      ')',
      '(?:',
      '(?=',
      '(?!',
      '(?<=',
      '(?<!',
      '(?<n>',
      '[',
      ']',
      '[^',
      '\\',
      '\\1',
      '\\2',
      '\\k<n>',
      '\\c',
      '\\x4',
      '\\u00',
      '{',
      '}',
      '{2}',
      '{1,',
      ',',
      '*',
      '+',
      '?',
      '|',
      '^',
      '$',
      '.',
      'a',
      '-',
      '\\b',
      '\\d',
      '\\s',
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(''));

describe('pattern safety: the check itself', () => {
  it('never throws, on any text and flags, and answers undefined or a refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(regexish, fc.string({ unit: 'binary', maxLength: 24 }), pattern),
        fc.constantFrom('', 's', 'i', 'is'),
        fc.boolean(),
        (source, flags, searchRestarts) => {
          const answer = patternHazard(source, flags, { searchRestarts });
          if (answer !== undefined) expect(answer).toMatch(/\S/);
          let valid = true;
          try {
            new RegExp(source, flags);
          } catch {
            valid = false;
          }
          if (valid && answer !== undefined) {
            expect(answer).toMatch(new RegExp(`${REFUSAL.source}|backreference|lookaround`));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  /** Code units worth asking about: ASCII, case-folding oddities, line and space separators, surrogates. */
  const UNITS = [
    ...Array.from({ length: 128 }, (_, i) => i),
    0xa0,
    0xb5,
    0xc0,
    0xe0,
    0xe9,
    0xff,
    0x130,
    0x131,
    0x17f,
    0x1c5,
    0x3a3,
    0x3c2,
    0x3c3,
    0x1e9e,
    0x2028,
    0x2029,
    0x212a,
    0x212b,
    0xfeff,
    0xd800,
    0xdfff,
    0xfb00,
    0xff21,
    0xff41,
    0xffff,
  ];
  const classItem = fc.constantFrom(
    'a',
    'z',
    'A',
    'K',
    's',
    '-',
    '_',
    '\\d',
    '\\D',
    '\\s',
    '\\S',
    '\\w',
    '\\W',
    'a-f',
    'A-Z',
    '\\x41',
    '\\u00e9',
    '\\u017f',
    '\\u212a',
    '\\b',
    '\\c1',
    '\\c_',
    '\\cJ',
    '\\0',
    '\\8',
    '\\-',
    '.',
    '$',
    '\\]',
    'µ',
    'σ',
  );
  const single = fc.oneof(
    fc.constantFrom(
      'a',
      'K',
      'σ',
      '.',
      '\\d',
      '\\W',
      '\\s',
      '\\S',
      '\\x4a',
      '\\u03a3',
      '\\cm',
      '\\0',
      '\\07',
      '\\8',
      '\\k',
      '\\p',
      '}',
      ']',
      '[^]',
      '[]',
    ),
    fc
      .tuple(fc.boolean(), fc.array(classItem, { minLength: 1, maxLength: 4 }))
      .map(([negate, items]) => `[${negate ? '^' : ''}${items.join('')}]`),
  );

  it('reads each single-character matcher as the engine does, under every flag', () => {
    fc.assert(
      fc.property(single, fc.constantFrom('', 's', 'i', 'is'), (source, flags) => {
        let engine: RegExp;
        try {
          engine = new RegExp(`^(?:${source})$`, flags);
        } catch {
          return; // e.g. a range out of order
        }
        const node = parseRegex(source, flags);
        expect(node.kind).toBe('unit');
        if (node.kind !== 'unit') return;
        for (const unit of UNITS) {
          expect({ source, flags, unit, matches: node.set.has(unit) }).toEqual({
            source,
            flags,
            unit,
            matches: engine.test(String.fromCharCode(unit)),
          });
        }
      }),
      { numRuns: 250 },
    );
  });
});
