import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { builtinPolicy } from '../../lib/policy/load.js';
import { decide } from '../../lib/engine/decide.js';
import type { CompiledPolicy, Signal } from '../../lib/index.js';

const VENDORS = ['gradium', 'elsa', 'audixa', 'zenhire', 'breeze'] as const;
const env = { clock: { now: () => 1_776_772_800_000 }, random: () => 0.5 };

/** The same policy with the token shortcut switched off: every json envelope is always parsed. */
function withoutPrefilter(policy: CompiledPolicy): CompiledPolicy {
  return { ...policy, envelopes: policy.envelopes.map((e) => ({ ...e, requiredTokens: [] })) };
}

const keys = [
  'type',
  'error',
  'code',
  'message',
  'status',
  'ok',
  'detail',
  'generation_id',
  'reason',
  'id',
  'data',
];
const leaf = fc.oneof(
  fc.constantFrom(
    'error',
    'ELSA:error',
    'failed',
    'processing',
    'IN_QUEUE',
    'ready',
    'started',
    'ASR timeout',
    'x',
  ),
  fc.constantFrom(false, true, 0, 1008, 1011, null),
  fc.string({ maxLength: 8 }),
);
const payload = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.dictionary(fc.constantFrom(...keys), tie('node'), { maxKeys: 5 }),
  ),
})).node;

/** Sometimes writes one letter as a `\u` escape: still the same JSON value. */
function encode(value: unknown, escapeOne: boolean): string {
  const text = JSON.stringify(value) ?? 'null';
  return escapeOne
    ? text.replace(/"([a-z])/, (_m, c: string) => `"\\u00${c.charCodeAt(0).toString(16)}`)
    : text;
}

describe('envelope token prefilter', () => {
  it('never changes a decision', () => {
    const pairs = VENDORS.map((v) => [builtinPolicy(v), withoutPrefilter(builtinPolicy(v))] as const);
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs.keys()),
        payload,
        fc.boolean(),
        fc.constantFrom('body', 'streamLine', 'message'),
        (index, value, escapeOne, part) => {
          const [fast, slow] = pairs[index] ?? pairs[0]!;
          const text = encode(value, escapeOne);
          const signal: Signal =
            part === 'body'
              ? { vendor: fast.vendor, status: 200, phase: 'poll', body: text }
              : part === 'streamLine'
                ? { vendor: fast.vendor, phase: 'stream', streamLine: text }
                : { vendor: fast.vendor, transport: 'ws', message: text };
          expect(decide(fast, signal, env)).toEqual(decide(slow, signal, env));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
