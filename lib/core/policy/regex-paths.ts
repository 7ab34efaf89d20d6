import type { CodeUnitSet } from './code-unit-set.js';
import type { RegexNode } from './regex-syntax.js';

/** A path passed `^` (so it cannot come after a consumed character: policies never set `m`). */
export const PASSED_START = 1;
/** A path passed `$` (so nothing can be consumed after it). */
export const PASSED_END = 2;
/** A path passed `\b`, `\B` or a lookaround, which may fail where the path does not. */
export const PASSED_CONDITION = 4;

/** One way into or out of a fragment: through `position`, `count` distinct ways, with `flags`. */
export interface PathEnd {
  position: number;
  count: number;
  flags: number;
}

/** One single-character matcher of the pattern (a copy, for bounded repetitions). */
export interface Position {
  set: CodeUnitSet;
  /** The `repeat` nodes around this position, innermost first. */
  repeats: readonly Extract<RegexNode, { kind: 'repeat' }>[];
}

/**
 * The pattern as a position automaton that keeps path multiplicity (a Glushkov automaton where
 * `follow` counts the distinct ways from one position to the next): a backtracking matcher tries
 * every way, so two ways to the same place cost twice, which a plain automaton would hide.
 */
export interface PathGraph {
  positions: Position[];
  /** `follow[p]`: positions reachable after `p` by consuming one more character, with counts. */
  follow: Map<number, number>[];
  /** Where a match attempt can consume its first character. */
  first: PathEnd[];
  /** Positions after which the pattern can end, and how. */
  last: PathEnd[];
  /** Empty matches, by flags. */
  empty: number[];
  /** The edges that go back to the start of an unbounded repetition, and which repetition. */
  loopBacks: { from: number; to: number; repeat: Extract<RegexNode, { kind: 'repeat' }> }[];
}

/** Counts are capped here: only "more than a few" matters, and products must stay exact integers. */
const COUNT_CAP = 1_000_000;
const times = (a: number, b: number): number => Math.min(a * b, COUNT_CAP);

interface Fragment {
  first: PathEnd[];
  last: PathEnd[];
  /** `empty[flags]`: ways through the fragment that consume nothing. */
  empty: number[];
}

/** Thrown when the expanded pattern exceeds `maxPositions`; the caller refuses such a pattern. */
export class TooManyPositions extends Error {}

function merge(ends: PathEnd[]): PathEnd[] {
  const byKey = new Map<string, PathEnd>();
  for (const e of ends) {
    if (e.count === 0) continue;
    const key = `${e.position}:${e.flags}`;
    const seen = byKey.get(key);
    if (seen) seen.count = Math.min(seen.count + e.count, COUNT_CAP);
    else byKey.set(key, { ...e });
  }
  return [...byKey.values()];
}

const noEmpty = (): number[] => Array<number>(8).fill(0);

/**
 * Builds the {@link PathGraph} of a parsed pattern. A bounded repetition is unrolled (its copies
 * are distinct positions) up to `expandLimit` copies; a larger bound is treated as unbounded, and
 * a larger minimum as `expandLimit`, both of which only add paths, so the estimate stays on the
 * safe side. Assertions other than `^` and `$` are treated as always passing, which also only
 * adds paths. Lookaround bodies are not part of the graph (they are separate, atomic matches).
 */
export function buildPathGraph(root: RegexNode, expandLimit: number, maxPositions: number): PathGraph {
  const positions: Position[] = [];
  const follow: Map<number, number>[] = [];
  const loopBacks: PathGraph['loopBacks'] = [];

  const link = (from: PathEnd[], to: PathEnd[]): void => {
    for (const a of from) {
      if ((a.flags & PASSED_END) !== 0) continue;
      for (const b of to) {
        if ((b.flags & PASSED_START) !== 0) continue;
        const out = follow[a.position] as Map<number, number>;
        out.set(b.position, Math.min((out.get(b.position) ?? 0) + times(a.count, b.count), COUNT_CAP));
      }
    }
  };

  function sequence(parts: Fragment[]): Fragment {
    let acc: Fragment = { first: [], last: [], empty: noEmpty() };
    acc.empty[0] = 1;
    for (const next of parts) {
      link(acc.last, next.first);
      const first = [...acc.first];
      const last = [...next.last];
      const empty = noEmpty();
      acc.empty.forEach((n, fa) => {
        if (n === 0) return;
        if ((fa & PASSED_END) === 0) {
          for (const b of next.first) first.push({ ...b, count: times(n, b.count), flags: b.flags | fa });
        }
        next.empty.forEach((m, fb) => {
          if (m !== 0) empty[fa | fb] = Math.min((empty[fa | fb] ?? 0) + times(n, m), COUNT_CAP);
        });
      });
      next.empty.forEach((m, fb) => {
        if (m === 0 || (fb & PASSED_START) !== 0) return;
        for (const a of acc.last) last.push({ ...a, count: times(a.count, m), flags: a.flags | fb });
      });
      acc = { first: merge(first), last: merge(last), empty };
    }
    return acc;
  }

  /** One optional iteration: an iteration past the minimum that consumes nothing fails (ECMAScript RepeatMatcher). */
  function optional(body: Fragment): Fragment {
    const empty = noEmpty();
    empty[0] = 1;
    return { first: body.first, last: body.last, empty };
  }

  function build(node: RegexNode, repeats: Position['repeats']): Fragment {
    switch (node.kind) {
      case 'unit': {
        if (positions.length >= maxPositions) throw new TooManyPositions();
        const p = positions.length;
        positions.push({ set: node.set, repeats });
        follow.push(new Map());
        const end = [{ position: p, count: 1, flags: 0 }];
        return { first: end, last: end.map((e) => ({ ...e })), empty: noEmpty() };
      }
      case 'sequence':
        return sequence(node.items.map((n) => build(n, repeats)));
      case 'choice': {
        const parts = node.options.map((n) => build(n, repeats));
        const empty = noEmpty();
        for (const part of parts)
          part.empty.forEach((n, f) => (empty[f] = Math.min((empty[f] ?? 0) + n, COUNT_CAP)));
        return {
          first: merge(parts.flatMap((x) => x.first)),
          last: merge(parts.flatMap((x) => x.last)),
          empty,
        };
      }
      case 'assert': {
        const empty = noEmpty();
        empty[node.at === 'start' ? PASSED_START : node.at === 'end' ? PASSED_END : PASSED_CONDITION] = 1;
        return { first: [], last: [], empty };
      }
      case 'backreference': {
        // Refused before the graph is built; here it only needs a harmless shape.
        const empty = noEmpty();
        empty[PASSED_CONDITION] = 1;
        return { first: [], last: [], empty };
      }
      case 'repeat': {
        const inner = [node, ...repeats];
        const min = Math.min(node.min, expandLimit);
        const unbounded = node.max === Infinity || node.max > expandLimit;
        const parts: Fragment[] = [];
        for (let k = 0; k < min; k++) parts.push(build(node.body, inner));
        if (unbounded) {
          const body = build(node.body, inner);
          link(body.last, body.first); // the loop back, for consuming iterations only
          for (const a of body.last) {
            for (const b of body.first) loopBacks.push({ from: a.position, to: b.position, repeat: node });
          }
          parts.push(optional(body));
        } else {
          // Optional iterations nest: the (k+1)th is tried only after the kth matched something.
          let tail: Fragment | undefined;
          for (let k = node.max - min; k > 0; k--) {
            const body = build(node.body, inner);
            tail = optional(tail === undefined ? body : sequence([withoutEmpty(body), tail]));
          }
          if (tail !== undefined) parts.push(tail);
        }
        return sequence(parts);
      }
    }
  }

  function withoutEmpty(f: Fragment): Fragment {
    return { first: f.first, last: f.last, empty: noEmpty() };
  }

  const top = build(root, []);
  return { positions, follow, first: top.first, last: top.last, empty: top.empty, loopBacks };
}
