import {
  buildPathGraph,
  PASSED_CONDITION,
  PASSED_END,
  PASSED_START,
  TooManyPositions,
  type PathGraph,
} from './regex-paths.js';
import { parseRegex, type RegexNode } from './regex-syntax.js';

/**
 * How many partial matches a pattern may have alive at any one character of the text, counting
 * every start position a search tries. A backtracking engine (V8's) walks each of them, so its work
 * is about this many steps per character: `total` 3, of which at most `inRepeats` 2 sit inside a
 * repetition of varying length (those backtrack; fixed text V8 mostly skips with its quick checks),
 * keeps a 64 KiB vendor body near a quarter of a millisecond. A pattern that nests or overlaps
 * repetitions has thousands, or a number that grows with the text.
 */
const LIVE_PATH_LIMIT = { total: 3, inRepeats: 2 } as const;

/** Limits high enough that exceeding them means "grows with the text" rather than "a few too many". */
const GROWTH_LIMIT = { total: 12, inRepeats: 12 } as const;
/**
 * Limits a bounded repetition cannot reach but growth soon does: a pattern past GROWTH_LIMIT that
 * stays within these on every text (`\d{1,16}x` keeps at most 16 or so) does not grow with it.
 */
const BOUNDED_LIMIT = { total: 1000, inRepeats: 1000 } as const;

/** Bounded repetitions up to this many copies are unrolled; larger bounds count as unbounded. */
const EXPAND_LIMIT = 16;
/** Patterns larger than this (after unrolling) are refused rather than analysed at length. */
const MAX_POSITIONS = 1000;
/** Distinct analysis states explored before a pattern counts as too complex to check. */
const MAX_STATES = 20_000;
/**
 * Moves (a live path to a successor, a path onto a symbol class) one walk over the states may make
 * before the pattern counts as too complex to check: a state's step costs its live paths times
 * their successors, and a long run of optional parts has about a million successor edges, so the
 * state bound alone let one pattern hold a load for seconds.
 */
const MAX_MOVES = 1_000_000;
/** Positions up to which the exponential test (pairs of positions) runs, for the message. */
const MAX_PAIR_POSITIONS = 300;
/** Longest piece of a pattern quoted in a message. */
const MAX_QUOTED = 40;

type Repeat = Extract<RegexNode, { kind: 'repeat' }>;

/** How the engine runs a pattern. */
export interface PatternUse {
  /**
   * True: a search tries the pattern from every position (as `exec` and `test` do), and the
   * partial matches of all those tries count together. False holds each try to the limit on its
   * own, which misses quadratic searches; compile.ts says where and why it uses that.
   */
  searchRestarts: boolean;
}

function quote(source: string, start: number, end: number): string {
  const text = source.slice(start, end);
  return `\`${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text}\``;
}

function walk(
  node: RegexNode,
  visit: (n: RegexNode, inLook: RegexNode | undefined) => void,
  inLook?: RegexNode,
): void {
  visit(node, inLook);
  switch (node.kind) {
    case 'sequence':
      for (const n of node.items) walk(n, visit, inLook);
      break;
    case 'choice':
      for (const n of node.options) walk(n, visit, inLook);
      break;
    case 'repeat':
      walk(node.body, visit, inLook);
      break;
    case 'assert':
      if (node.body) walk(node.body, visit, node);
      break;
    default:
  }
}

/** Refusals that need only the syntax: backreferences, repetition inside lookarounds. */
function syntaxHazard(root: RegexNode, source: string): string | undefined {
  let found: string | undefined;
  walk(root, (node, look) => {
    if (found !== undefined) return;
    if (node.kind === 'backreference') {
      found =
        `backreference ${quote(source, node.start, node.end)} can backtrack without bound ` +
        '(no engine matches backreferences in linear time); match the text without referring back to a group';
    } else if (look !== undefined && node.kind === 'repeat' && node.min !== node.max) {
      found =
        `lookaround ${quote(source, look.start, look.end)} repeats ${quote(source, node.start, node.end)}, ` +
        'and a lookaround is tried again at every position, so its cost multiplies with the length of the text; ' +
        'use a fixed count there or move the repetition out of the lookaround';
    }
  });
  return found;
}

/**
 * Positions a match never has to leave once it reaches them: the attempt then succeeds, so the
 * paths into them cost nothing more. A position whose only continuations are itself (a greedy
 * loop just runs on) and an exit that tests nothing; `$` counts as nothing to test after a
 * repetition of any character (`[\s\S]*`, `.*` with `s`), which always runs to the end.
 */
function sureAccepts(graph: PathGraph): boolean[] {
  const exits = new Map<number, number[]>();
  for (const e of graph.last) exits.set(e.position, [...(exits.get(e.position) ?? []), e.flags]);
  return graph.positions.map((pos, p) => {
    const next = graph.follow[p] as Map<number, number>;
    if ([...next.keys()].some((q) => q !== p)) return false;
    const untested = PASSED_CONDITION | (pos.set.isAll && next.has(p) ? 0 : PASSED_END);
    return (exits.get(p) ?? []).some((f) => (f & untested) === 0);
  });
}

/**
 * Symbol classes: code-unit ranges no position tells apart. Returns, for each position, the
 * classes whose units it matches (so a step only visits the classes some live path can take).
 */
function classesByPosition(graph: PathGraph, active: readonly boolean[]): { count: number; of: number[][] } {
  const cuts = new Set<number>([0]);
  graph.positions.forEach((pos, p) => {
    if (!active[p]) return;
    for (const [lo, hi] of pos.set.ranges()) {
      cuts.add(lo);
      if (hi < 0xffff) cuts.add(hi + 1);
    }
  });
  const of: number[][] = graph.positions.map(() => []);
  const bySignature = new Map<string, number>();
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const members = graph.positions.flatMap((pos, p) => (active[p] === true && pos.set.has(cut) ? [p] : []));
    const signature = members.join(',');
    if (bySignature.has(signature)) continue;
    const id = bySignature.size;
    bySignature.set(signature, id);
    for (const p of members) of[p]?.push(id);
  }
  return { count: bySignature.size, of };
}

type Ways =
  { outcome: 'bounded' } | { outcome: 'exceeded'; live: Map<number, number> } | { outcome: 'complex' };
type Limit = { readonly total: number; readonly inRepeats: number };

/**
 * Whether every text keeps the partial matches alive at each character within `limit`: a
 * breadth-first walk over "how many paths sit at each position" vectors (a subset construction
 * that counts), stopping at the first vector over the limit. With `restarts`, every character also
 * starts a new attempt, as a search does.
 */
function liveWays(graph: PathGraph, restarts: boolean, limit: Limit): Ways {
  const active = sureAccepts(graph).map((sure) => !sure);
  const varying = graph.positions.map((pos) => pos.repeats.some((r) => r.min !== r.max));
  const classes = classesByPosition(graph, active);
  const startsAt = (atStart: boolean): [number, number][] =>
    graph.first
      .filter((e) => active[e.position] && (atStart || (restarts && (e.flags & PASSED_START) === 0)))
      .map((e) => [e.position, e.count]);
  const firstStep = startsAt(true);
  const laterSteps = startsAt(false);
  const cap = limit.total + 1;
  // A state is a sorted list of [position, paths] pairs; the first step (where `^` holds) is apart.
  const queue: [number, number][][] = [];
  const seen = new Set<string>();
  let moves = 0;
  const step = (live: readonly [number, number][], atStart: boolean): Ways | undefined => {
    const byClass = new Map<number, Map<number, number>>();
    const add = (q: number, n: number): void => {
      const into = classes.of[q] as number[];
      moves += into.length;
      for (const c of into) {
        let next = byClass.get(c);
        if (!next) byClass.set(c, (next = new Map()));
        next.set(q, (next.get(q) ?? 0) + n);
      }
    };
    for (const [p, n] of live) {
      const follow = graph.follow[p] as Map<number, number>;
      moves += follow.size;
      for (const [q, m] of follow) if (active[q]) add(q, n * m);
    }
    for (const [q, n] of atStart ? firstStep : laterSteps) add(q, n);
    if (moves > MAX_MOVES) return { outcome: 'complex' };
    const nexts = [...byClass.values()];
    if (byClass.size < classes.count) nexts.push(new Map()); // some character continues no path
    for (const next of nexts) {
      let total = 0;
      let inRepeats = 0;
      for (const [q, n] of next) {
        total += n;
        if (varying[q]) inRepeats += n;
      }
      if (total > limit.total || inRepeats > limit.inRepeats) return { outcome: 'exceeded', live: next };
      const state = [...next]
        .map(([q, n]): [number, number] => [q, Math.min(n, cap)])
        .sort((a, b) => a[0] - b[0]);
      const key = state.join(';');
      if (seen.has(key)) continue;
      if (seen.size >= MAX_STATES) return { outcome: 'complex' };
      seen.add(key);
      queue.push(state);
    }
    return undefined;
  };
  const first = step([], true);
  if (first) return first;
  for (let head = 0; head < queue.length; head++) {
    const result = step(queue[head] as [number, number][], false);
    if (result) return result;
  }
  return { outcome: 'bounded' };
}

/**
 * Exponential ambiguity: two different paths from one position back to itself over the same text
 * (in the graph of position pairs, a strongly connected component holding a pair `(p, p)` and a
 * pair `(q, r)` with `q ≠ r`, or a doubled edge inside one). Returns the positions of such a
 * component, or undefined.
 */
function exponentialPositions(graph: PathGraph): Set<number> | undefined {
  const n = graph.positions.length;
  if (n > MAX_PAIR_POSITIONS) return undefined;
  const sure = sureAccepts(graph);
  const overlap = (a: number, b: number): boolean =>
    !sure[a] &&
    !sure[b] &&
    (graph.positions[a] as PathGraph['positions'][number]).set.intersects(
      (graph.positions[b] as PathGraph['positions'][number]).set,
    );
  const id = (p: number, q: number): number => p * n + q;
  const edges = new Map<number, number[]>();
  const successors = (node: number): number[] => {
    let out = edges.get(node);
    if (out) return out;
    out = [];
    const p = Math.floor(node / n);
    const q = node % n;
    for (const a of (graph.follow[p] as Map<number, number>).keys()) {
      for (const b of (graph.follow[q] as Map<number, number>).keys()) if (overlap(a, b)) out.push(id(a, b));
    }
    edges.set(node, out);
    return out;
  };
  const starts: number[] = [];
  for (const a of graph.first)
    for (const b of graph.first) if (overlap(a.position, b.position)) starts.push(id(a.position, b.position));

  // Tarjan's strongly connected components, iteratively (patterns may be long).
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  let counter = 0;
  let result: Set<number> | undefined;
  const component = (members: number[]): void => {
    if (result !== undefined) return;
    const set = new Set(members);
    const cyclic = members.length > 1 || successors(members[0] as number).includes(members[0] as number);
    if (!cyclic) return;
    const diagonal = members.some((m) => Math.floor(m / n) === m % n);
    const offDiagonal = members.some((m) => Math.floor(m / n) !== m % n);
    const doubled = members.some((m) => {
      const p = Math.floor(m / n);
      if (p !== m % n) return false;
      for (const [q, count] of graph.follow[p] as Map<number, number>)
        if (count > 1 && set.has(id(q, q))) return true;
      return false;
    });
    if ((diagonal && offDiagonal) || doubled) {
      result = new Set(members.flatMap((m) => [Math.floor(m / n), m % n]));
    }
  };
  for (const root of starts) {
    if (index.has(root)) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number };
      const out = successors(frame.node);
      if (frame.next < out.length) {
        const w = out[frame.next++] as number;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const members: number[] = [];
        for (;;) {
          const w = stack.pop() as number;
          onStack.delete(w);
          members.push(w);
          if (w === frame.node) break;
        }
        component(members);
      }
    }
    if (result !== undefined) return result;
  }
  return result;
}

/** The source span covering these repetitions (or, without any, these positions' own text). */
function span(source: string, repeats: readonly Repeat[]): string {
  const start = Math.min(...repeats.map((r) => r.start));
  const end = Math.max(...repeats.map((r) => r.end));
  return quote(source, start, end);
}

/** The innermost repetition around each of these positions. */
function repeatsAround(graph: PathGraph, positions: Iterable<number>): Repeat[] {
  const out = new Set<Repeat>();
  for (const p of positions) {
    const r = graph.positions[p]?.repeats[0];
    if (r) out.add(r);
  }
  return [...out];
}

/** {@link patternHazard}, which guards it. */
function hazard(source: string, flags: string, use: PatternUse): string | undefined {
  let root: RegexNode;
  let graph: PathGraph;
  try {
    root = parseRegex(source, flags);
    const syntax = syntaxHazard(root, source);
    if (syntax !== undefined) return syntax;
    graph = buildPathGraph(root, EXPAND_LIMIT, MAX_POSITIONS);
  } catch (error) {
    if (error instanceof TooManyPositions) {
      return `is too large to check for slow backtracking (over ${MAX_POSITIONS} characters once \`{n,m}\` repetitions are unrolled); simplify it`;
    }
    return `could not be checked for slow backtracking (${(error as Error).message}); simplify it`;
  }
  const ways = liveWays(graph, use.searchRestarts, LIVE_PATH_LIMIT);
  if (ways.outcome === 'bounded') return undefined;
  if (ways.outcome === 'complex') {
    return `is too complex to check for slow backtracking (over ${MAX_STATES} states or ${MAX_MOVES} moves); simplify it`;
  }
  const exponential = exponentialPositions(graph);
  if (exponential !== undefined) {
    // The repetition whose loop the two paths go around: the outermost one looping inside the component.
    const loops = graph.loopBacks
      .filter((l) => exponential.has(l.from) && exponential.has(l.to))
      .map((l) => l.repeat);
    const outer = loops.reduce<Repeat | undefined>(
      (a, r) => (a === undefined || r.end - r.start > a.end - a.start ? r : a),
      undefined,
    );
    const culprit = outer
      ? quote(source, outer.start, outer.end)
      : span(source, repeatsAround(graph, exponential));
    return (
      `nested or overlapping repetition ${culprit} can backtrack exponentially: it can match the same text in ` +
      'more than one way per repetition, so a text that almost matches takes time that doubles with each character; ' +
      'rewrite it so each character can be matched only one way (e.g. `a+` for `(a+)+`, `\\w+(?:\\s\\w+)*` for `(\\w+\\s?)+`)'
    );
  }
  const named = (positions: Iterable<number>): string => {
    const around = repeatsAround(graph, positions);
    return around.length > 0 ? span(source, around) : quote(source, 0, source.length);
  };
  const growing = liveWays(graph, use.searchRestarts, GROWTH_LIMIT);
  // Past GROWTH_LIMIT may still be a fixed number (a bounded repetition unrolled): growth only if
  // the walk also passes BOUNDED_LIMIT (or is too large to follow that far).
  if (
    growing.outcome === 'exceeded' &&
    liveWays(graph, use.searchRestarts, BOUNDED_LIMIT).outcome !== 'bounded'
  ) {
    if (use.searchRestarts && liveWays(graph, false, GROWTH_LIMIT).outcome === 'bounded') {
      // The repetition the restarts pile up in.
      const crowded = [...growing.live].filter(([, n]) => n > 1).map(([p]) => p);
      const culprit = named(crowded.length > 0 ? crowded : growing.live.keys());
      return (
        `unanchored repetition ${culprit} can backtrack quadratically: a search tries the pattern from every ` +
        `position, and ${culprit} runs on over text where the next try starts again, so time grows with the ` +
        `square of the text's length; anchor the pattern with \`^\`, or begin it with text ${culprit} cannot match`
      );
    }
    // Every part holding a path: the overlap is between them.
    const culprit = named(growing.live.keys());
    return (
      `overlapping repetition ${culprit} can backtrack polynomially: it can match the same text in a number ` +
      'of ways that grows with the text, so time grows with a power of its length; make neighbouring parts ' +
      'match different characters (e.g. `\\d+` for `\\d+\\d*`)'
    );
  }
  const culprit = named(ways.live.keys());
  return (
    `${culprit} keeps too many partial matches alive at once (more than ${LIVE_PATH_LIMIT.total}, or more ` +
    `than ${LIVE_PATH_LIMIT.inRepeats} inside repetitions of varying length), so every character of a long text ` +
    `is tried that many times over${use.searchRestarts ? '; anchor the pattern with `^`, or' : ';'} make its ` +
    'alternatives and optional parts start with different characters'
  );
}

/**
 * Why `source` (with `flags`) could make a backtracking engine take far more than linear time on
 * some text, as a sentence fragment naming the part of the pattern at fault and what to do; or
 * undefined when every text is matched with at most {@link LIVE_PATH_LIMIT} partial matches alive
 * per character. Expects a pattern `new RegExp(source, flags)` accepts; never throws.
 */
export function patternHazard(source: string, flags: string, use: PatternUse): string | undefined {
  try {
    return hazard(source, flags, use);
  } catch (error) {
    // A flaw in this check must not crash a load; refusing says what happened and stays safe.
    return `could not be checked for slow backtracking (${(error as Error).message}); simplify it`;
  }
}
