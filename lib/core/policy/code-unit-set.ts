/** The largest UTF-16 code unit: patterns without the `u` flag match code units, not code points. */
const MAX_CODE_UNIT = 0xffff;

/**
 * A set of UTF-16 code units, as sorted, disjoint, non-adjacent inclusive ranges `[lo, hi, lo, hi, …]`.
 * Built once per pattern position when a policy is checked, so simple arrays are enough.
 */
export class CodeUnitSet {
  private constructor(
    /** Flat `lo, hi` pairs, sorted and merged. */
    readonly bounds: readonly number[],
  ) {}

  /** The set of the given inclusive ranges (in any order, overlapping or not). */
  static of(ranges: readonly (readonly [number, number])[]): CodeUnitSet {
    const sorted = ranges.filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
    const bounds: number[] = [];
    for (const [lo, hi] of sorted) {
      const last = bounds.length - 1;
      if (last > 0 && lo <= (bounds[last] as number) + 1) {
        bounds[last] = Math.max(bounds[last] as number, hi);
      } else {
        bounds.push(lo, hi);
      }
    }
    return new CodeUnitSet(bounds);
  }

  /** The set of these code units. */
  static ofUnits(units: Iterable<number>): CodeUnitSet {
    return CodeUnitSet.of([...units].map((u) => [u, u] as const));
  }

  /** The empty set. */
  static readonly EMPTY = new CodeUnitSet([]);

  /** Every code unit. */
  static readonly ALL = new CodeUnitSet([0, MAX_CODE_UNIT]);

  /** The ranges, as pairs. */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.bounds.length; i += 2)
      out.push([this.bounds[i] as number, this.bounds[i + 1] as number]);
    return out;
  }

  /** True when the set holds `unit`. */
  has(unit: number): boolean {
    // Binary search for the last range starting at or before `unit`.
    let lo = 0;
    let hi = this.bounds.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = this.bounds[mid * 2] as number;
      if (start > unit) hi = mid - 1;
      else if ((this.bounds[mid * 2 + 1] as number) < unit) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** True when no code unit is in the set. */
  get isEmpty(): boolean {
    return this.bounds.length === 0;
  }

  /** True when every code unit is in the set. */
  get isAll(): boolean {
    return this.bounds.length === 2 && this.bounds[0] === 0 && this.bounds[1] === MAX_CODE_UNIT;
  }

  /** The units in this set or `other`. */
  union(other: CodeUnitSet): CodeUnitSet {
    return CodeUnitSet.of([...this.ranges(), ...other.ranges()]);
  }

  /** The units not in this set. */
  complement(): CodeUnitSet {
    const out: [number, number][] = [];
    let next = 0;
    for (const [lo, hi] of this.ranges()) {
      if (lo > next) out.push([next, lo - 1]);
      next = hi + 1;
    }
    if (next <= MAX_CODE_UNIT) out.push([next, MAX_CODE_UNIT]);
    return CodeUnitSet.of(out);
  }

  /** True when some unit is in both sets. */
  intersects(other: CodeUnitSet): boolean {
    let i = 0;
    let j = 0;
    while (i < this.bounds.length && j < other.bounds.length) {
      const aLo = this.bounds[i] as number;
      const aHi = this.bounds[i + 1] as number;
      const bLo = other.bounds[j] as number;
      const bHi = other.bounds[j + 1] as number;
      if (aHi < bLo) i += 2;
      else if (bHi < aLo) j += 2;
      else return true;
    }
    return false;
  }

  /**
   * The units that match this set under the `i` flag without `u`: every unit whose canonical form
   * (ECMAScript's Canonicalize: the single-unit upper case, never mapping non-ASCII to ASCII) equals
   * that of a member.
   */
  caseClosed(): CodeUnitSet {
    const { groups, groupOf } = caseClasses();
    const extra: number[] = [];
    if (this.size <= SMALL_SET) {
      for (const [lo, hi] of this.ranges()) {
        for (let unit = lo; unit <= hi; unit++) extra.push(...(groupOf.get(unit) ?? []));
      }
    } else {
      for (const members of groups) if (members.some((m) => this.has(m))) extra.push(...members);
    }
    return extra.length === 0 ? this : this.union(CodeUnitSet.ofUnits(extra));
  }

  /** How many code units the set holds. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.bounds.length; i += 2)
      n += (this.bounds[i + 1] as number) - (this.bounds[i] as number) + 1;
    return n;
  }
}

/** Up to this many units, a set is case-closed unit by unit; above it, group by group. */
const SMALL_SET = 256;

interface CaseClasses {
  /** Groups of two or more code units with the same canonical form under `i`. */
  groups: readonly (readonly number[])[];
  /** The group of each unit that has one. */
  groupOf: ReadonlyMap<number, readonly number[]>;
}

let classes: CaseClasses | undefined;

/** ECMAScript's Canonicalize without `u`: the single-unit upper case, never non-ASCII to ASCII. */
function canonical(unit: number): number {
  const upper = String.fromCharCode(unit).toUpperCase();
  const mapped = upper.length === 1 ? upper.charCodeAt(0) : unit;
  return unit >= 128 && mapped < 128 ? unit : mapped;
}

/** The units that `i` makes equal (computed once, on first use: a pass over all 65,536 units). */
function caseClasses(): CaseClasses {
  if (classes !== undefined) return classes;
  // A group of two or more has members that are not their own canonical form, so only those are
  // collected (one array per unit would cost ten times the pass itself), then each canonical unit.
  const byCanonical = new Map<number, number[]>();
  for (let unit = 0; unit <= MAX_CODE_UNIT; unit++) {
    const target = canonical(unit);
    if (target === unit) continue;
    const group = byCanonical.get(target);
    if (group) group.push(unit);
    else byCanonical.set(target, [unit]);
  }
  const groups: number[][] = [];
  for (const [target, members] of byCanonical) {
    const group = canonical(target) === target ? [target, ...members] : members;
    if (group.length > 1) groups.push(group.sort((a, b) => a - b));
  }
  const groupOf = new Map<number, readonly number[]>();
  for (const g of groups) for (const unit of g) groupOf.set(unit, g);
  classes = { groups, groupOf };
  return classes;
}

const range = (lo: string, hi = lo): [number, number] => [lo.charCodeAt(0), hi.charCodeAt(0)];

/** `\d`. */
export const DIGITS = CodeUnitSet.of([range('0', '9')]);
/** `\w` (without `u`, so no case-folding extras). */
export const WORD = CodeUnitSet.of([range('0', '9'), range('A', 'Z'), range('_'), range('a', 'z')]);
/** `\s`: WhiteSpace and LineTerminator. */
export const SPACE = CodeUnitSet.of([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
/** What `.` does not match without the `s` flag. */
export const LINE_TERMINATORS = CodeUnitSet.of([
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
]);
