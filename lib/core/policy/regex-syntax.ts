import { CodeUnitSet, DIGITS, LINE_TERMINATORS, SPACE, WORD } from './code-unit-set.js';

/**
 * The shape of a regular expression, as far as backtracking cost goes: every single-character
 * matcher (literal, class, escape, `.`) is one `unit` with the code units it matches, flags already
 * applied. `start`/`end` are offsets into the source, for naming a part of the pattern.
 */
export type RegexNode =
  | { kind: 'unit'; set: CodeUnitSet; start: number; end: number }
  | { kind: 'sequence'; items: RegexNode[]; start: number; end: number }
  | { kind: 'choice'; options: RegexNode[]; start: number; end: number }
  | { kind: 'repeat'; body: RegexNode; min: number; max: number; start: number; end: number }
  /** `^` (`start`), `$` (`end`), `\b`/`\B` (`word`) or a lookaround (`look`, with its body). */
  | { kind: 'assert'; at: 'start' | 'end' | 'word' | 'look'; body?: RegexNode; start: number; end: number }
  | { kind: 'backreference'; start: number; end: number };

interface Flags {
  ignoreCase: boolean;
  dotAll: boolean;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** Capturing groups and whether any is named, counted as the engine does before it reads escapes. */
function countGroups(source: string): { groups: number; named: boolean } {
  let groups = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') groups++;
      else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
        groups++;
        named = true;
      }
    }
  }
  return { groups, named };
}

/**
 * Reads a regular expression that `new RegExp(source, flags)` already accepted, without the `u` or
 * `v` flag (policies never set them), so with the web-compatibility grammar of ECMAScript Annex B:
 * a `{` that is no quantifier is a literal, `\8` and out-of-range `\1`… are literals or octal
 * escapes, `\c` before a non-letter is a backslash. Throws on syntax it does not know (the caller
 * treats that as "cannot tell" and refuses), never on a pattern the engine accepted in practice.
 */
export function parseRegex(source: string, flags: string): RegexNode {
  const { groups, named } = countGroups(source);
  let i = 0;
  const peek = (ahead = 0): string | undefined => source[i + ahead];
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}`);
  };

  const unit = (set: CodeUnitSet, start: number, f: Flags): RegexNode => ({
    kind: 'unit',
    set: f.ignoreCase ? set.caseClosed() : set,
    start,
    end: i,
  });

  /** A braced quantifier `{n}`, `{n,}` or `{n,m}` at `i`, or undefined (then `{` is a literal). */
  function braced(): { min: number; max: number; length: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return { min, max, length: m[0].length };
  }

  /** Legacy octal escape after `\` (Annex B): up to three octal digits, at most 0o377. */
  function octal(): number {
    let value = 0;
    let digits = 0;
    while (digits < 3 && /^[0-7]$/.test(peek() ?? '') && value * 8 + Number(peek()) <= 0o377) {
      value = value * 8 + Number(peek());
      i++;
      digits++;
    }
    return value;
  }

  /**
   * An escape after `\` that stands for one code unit or a class: `\d`, `\n`, `\x41`, `\u0041`,
   * `\cA`, octal, identity. `inClass` selects the class grammar (`\b` is backspace there).
   */
  function characterEscape(inClass: boolean): CodeUnitSet | 'control-backslash' {
    const c = peek() as string;
    const classes: Record<string, CodeUnitSet> = { d: DIGITS, s: SPACE, w: WORD };
    const lower = c.toLowerCase();
    if ((lower === 'd' || lower === 's' || lower === 'w') && classes[lower]) {
      i++;
      return c === lower ? classes[lower] : classes[lower].complement();
    }
    const controls: Record<string, number> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
    if (controls[c] !== undefined) {
      i++;
      return CodeUnitSet.ofUnits([controls[c]]);
    }
    if (inClass && c === 'b') {
      i++;
      return CodeUnitSet.ofUnits([0x08]);
    }
    if (c === 'c') {
      const next = peek(1);
      if (isLetter(next) || (inClass && (isDigit(next) || next === '_'))) {
        i += 2;
        return CodeUnitSet.ofUnits([(next as string).charCodeAt(0) % 32]);
      }
      return 'control-backslash';
    }
    if (c === 'x' && isHex(peek(1)) && isHex(peek(2))) {
      i += 3;
      return CodeUnitSet.ofUnits([parseInt(source.slice(i - 2, i), 16)]);
    }
    if (c === 'u' && [1, 2, 3, 4].every((k) => isHex(peek(k)))) {
      i += 5;
      return CodeUnitSet.ofUnits([parseInt(source.slice(i - 4, i), 16)]);
    }
    if (c >= '0' && c <= '7') return CodeUnitSet.ofUnits([octal()]);
    i++;
    return CodeUnitSet.ofUnits([c.charCodeAt(0)]);
  }

  function characterClass(start: number, f: Flags): RegexNode {
    i++; // [
    const negate = peek() === '^';
    if (negate) i++;
    let set = CodeUnitSet.EMPTY;
    /** One class atom: a single unit (`[lo, lo]`-able) or a class escape like `\d`. */
    const atom = (): { set: CodeUnitSet; single: number | undefined } => {
      if (peek() === undefined) fail('unterminated class');
      if (peek() === '\\') {
        i++;
        const escaped = characterEscape(true);
        const s = escaped === 'control-backslash' ? CodeUnitSet.ofUnits([0x5c]) : escaped;
        const only = s.bounds.length === 2 && s.bounds[0] === s.bounds[1] ? s.bounds[0] : undefined;
        // `\c` before a non-control character is a backslash; the `c` is read as the next atom.
        return { set: s, single: only };
      }
      const u = source.charCodeAt(i++);
      return { set: CodeUnitSet.ofUnits([u]), single: u };
    };
    while (peek() !== ']') {
      const from = atom();
      if (peek() === '-' && peek(1) !== ']' && peek(1) !== undefined) {
        i++; // -
        const to = atom();
        if (from.single !== undefined && to.single !== undefined) {
          set = set.union(CodeUnitSet.of([[from.single, to.single]]));
        } else {
          // Annex B: a class escape at either end makes `-` a literal.
          set = set
            .union(from.set)
            .union(to.set)
            .union(CodeUnitSet.ofUnits([0x2d]));
        }
      } else {
        set = set.union(from.set);
      }
    }
    i++; // ]
    const matched = f.ignoreCase ? set.caseClosed() : set;
    // Under `i`, a negated class refuses every unit whose canonical form a member has.
    return { kind: 'unit', set: negate ? matched.complement() : matched, start, end: i };
  }

  function group(start: number, f: Flags): RegexNode {
    i++; // (
    if (peek() === '?') {
      const kind = peek(1);
      if (kind === '=' || kind === '!' || (kind === '<' && (peek(2) === '=' || peek(2) === '!'))) {
        i += kind === '<' ? 3 : 2;
        const body = disjunction(f);
        closeGroup();
        return { kind: 'assert', at: 'look', body, start, end: i };
      }
      if (kind === ':') {
        i += 2;
        const body = disjunction(f);
        closeGroup();
        return body;
      }
      if (kind === '<') {
        const close = source.indexOf('>', i);
        if (close === -1) fail('unterminated group name');
        i = close + 1;
        const body = disjunction(f);
        closeGroup();
        return body;
      }
      // Modifiers `(?i:…)`, `(?-i:…)` (newer engines): flags that hold inside the group only.
      const m = /^\?([a-z]*)(?:-([a-z]*))?:/.exec(source.slice(i));
      if (!m) return fail('unknown group');
      const on = m[1] ?? '';
      const off = m[2] ?? '';
      i += m[0].length;
      const inner: Flags = {
        ignoreCase: on.includes('i') ? true : off.includes('i') ? false : f.ignoreCase,
        dotAll: on.includes('s') ? true : off.includes('s') ? false : f.dotAll,
      };
      const body = disjunction(inner);
      closeGroup();
      return body;
    }
    const body = disjunction(f);
    closeGroup();
    return body;
  }

  function closeGroup(): void {
    if (peek() !== ')') fail('unterminated group');
    i++;
  }

  /** One atom or assertion, or undefined at `|`, `)` or the end. */
  function atom(f: Flags): RegexNode | undefined {
    const start = i;
    const c = peek();
    switch (c) {
      case undefined:
      case '|':
      case ')':
        return undefined;
      case '^':
        i++;
        return { kind: 'assert', at: 'start', start, end: i };
      case '$':
        i++;
        return { kind: 'assert', at: 'end', start, end: i };
      case '.':
        i++;
        return unit(f.dotAll ? CodeUnitSet.ALL : LINE_TERMINATORS.complement(), start, f);
      case '[':
        return characterClass(start, f);
      case '(':
        return group(start, f);
      case '*':
      case '+':
      case '?':
        return fail('nothing to repeat');
      case '\\': {
        i++;
        const e = peek();
        if (e === undefined) return fail('trailing backslash');
        if (e === 'b' || e === 'B') {
          i++;
          return { kind: 'assert', at: 'word', start, end: i };
        }
        if (e >= '1' && e <= '9') {
          const digits = /^\d+/.exec(source.slice(i))?.[0] ?? e;
          if (Number(digits) <= groups) {
            i += digits.length;
            return { kind: 'backreference', start, end: i };
          }
          // Annex B: not a group number, so `\8`/`\9` are literals and `\1`–`\7` octal escapes.
          if (e === '8' || e === '9') {
            i++;
            return unit(CodeUnitSet.ofUnits([e.charCodeAt(0)]), start, f);
          }
        }
        if (e === 'k' && named) {
          const close = source.indexOf('>', i);
          if (close === -1) fail('unterminated group name');
          i = close + 1;
          return { kind: 'backreference', start, end: i };
        }
        const escaped = characterEscape(false);
        if (escaped === 'control-backslash') return unit(CodeUnitSet.ofUnits([0x5c]), start, f);
        return unit(escaped, start, f);
      }
      default:
        i++;
        return unit(CodeUnitSet.ofUnits([(c as string).charCodeAt(0)]), start, f);
    }
  }

  function quantified(f: Flags): RegexNode | undefined {
    const start = i; // a repetition is named with its parentheses, e.g. `(a+)+`
    const base = atom(f);
    if (base === undefined) return undefined;
    let node = base;
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max, i] = [0, Infinity, i + 1];
      else if (c === '+') [min, max, i] = [1, Infinity, i + 1];
      else if (c === '?') [min, max, i] = [0, 1, i + 1];
      else if (c === '{') {
        const b = braced();
        if (b === undefined) return node;
        [min, max, i] = [b.min, b.max, i + b.length];
      } else return node;
      if (peek() === '?') i++; // lazy: same paths, another order
      if (node.kind === 'assert' && node.at !== 'look') fail('nothing to repeat');
      node = { kind: 'repeat', body: node, min, max, start, end: i };
    }
  }

  function alternative(f: Flags): RegexNode {
    const start = i;
    const items: RegexNode[] = [];
    for (let item = quantified(f); item !== undefined; item = quantified(f)) items.push(item);
    return items.length === 1 ? (items[0] as RegexNode) : { kind: 'sequence', items, start, end: i };
  }

  function disjunction(f: Flags): RegexNode {
    const start = i;
    const options = [alternative(f)];
    while (peek() === '|') {
      i++;
      options.push(alternative(f));
    }
    return options.length === 1 ? (options[0] as RegexNode) : { kind: 'choice', options, start, end: i };
  }

  const root = disjunction({ ignoreCase: flags.includes('i'), dotAll: flags.includes('s') });
  if (i !== source.length) fail('unbalanced parenthesis');
  return root;
}
