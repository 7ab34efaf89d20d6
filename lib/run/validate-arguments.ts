/**
 * Up-front argument checks for the public functions (p-retry style): a wrong argument from
 * JavaScript throws a `TypeError` that names the function, the argument and what was expected,
 * instead of failing later inside the library with an error about its internals.
 */

/** Longest string echoed in a message (names only; other strings are never echoed). */
const MAX_ECHO_CHARS = 40;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * A received value, described without leaking it: its type, a primitive's value, a string's
 * length only (a misplaced argument may be an API key), unless `echo` is set for names
 * (vendors, policies), which are shown truncated.
 */
export function describeValue(value: unknown, echo = false): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${String(value)}n`;
    case 'string': {
      if (value === '') return 'an empty string';
      if (!echo) return `a string of ${plural(value.length, 'character')}`;
      const shown = value.length > MAX_ECHO_CHARS ? `${value.slice(0, MAX_ECHO_CHARS)}…` : value;
      return JSON.stringify(shown);
    }
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default: {
      if (Array.isArray(value)) return `an array of ${plural(value.length, 'item')}`;
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor
        ?.name;
      return typeof name === 'string' && name !== '' && name !== 'Object'
        ? `an object (${name})`
        : 'an object';
    }
  }
}

/** True for a non-null object that is not an array (an options bag, a policy document). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A real `AbortSignal`, or one from another realm or polyfill (the two members the library uses). */
function isAbortSignal(value: unknown): boolean {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  const candidate = value as { aborted?: unknown; addEventListener?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function'
  );
}

/** True for a value shaped like a compiled policy (a document has no `envelopes`; copies need not be frozen). */
export function isCompiledPolicyShape(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value['vendor'] === 'string' &&
    Array.isArray(value['rules']) &&
    Array.isArray(value['envelopes'])
  );
}

/** Bounds for {@link ArgumentCheck.number}. */
export interface NumberBounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** The value must be above this one (exclusive). */
  above?: number;
  /** Only whole numbers. */
  integer?: boolean;
}

/** What a policy argument may be, as said in every message about one. */
export const POLICY_EXPECTED =
  'a built-in vendor name, a policy file path, a policy document or a compiled policy';

/**
 * Checks the arguments of one public function. Every failure is a `TypeError` reading
 * `fn(argument): expected …; got …`, so the caller sees which call and which argument was wrong.
 */
export class ArgumentCheck {
  constructor(
    /** The public function's name, as the caller wrote it (`vendorResilience`). */
    readonly fn: string,
  ) {}

  /** The error for argument `name` (a path such as `options.policies[0]`). */
  error(name: string, expected: string, value: unknown, echo = false): TypeError {
    return new TypeError(`${this.fn}(${name}): expected ${expected}; got ${describeValue(value, echo)}`);
  }

  /** Throws unless `ok`. */
  that(ok: boolean, name: string, expected: string, value: unknown, echo = false): void {
    if (!ok) throw this.error(name, expected, value, echo);
  }

  /** A required object (not null, not an array). */
  object(name: string, value: unknown, expected = 'an object'): asserts value is Record<string, unknown> {
    this.that(isRecord(value), name, expected, value);
  }

  /** An options object, or `undefined` for the defaults. */
  options(name: string, value: unknown): asserts value is Record<string, unknown> | undefined {
    this.that(value === undefined || isRecord(value), name, 'an options object or undefined', value);
  }

  /** A function (or `undefined` unless `required`). */
  function(name: string, value: unknown, required = false): void {
    const ok = typeof value === 'function' || (!required && value === undefined);
    this.that(ok, name, required ? 'a function' : 'a function or undefined', value);
  }

  /** A string (or `undefined` unless `required`). */
  string(name: string, value: unknown, required = false): void {
    const ok = typeof value === 'string' || (!required && value === undefined);
    this.that(ok, name, required ? 'a string' : 'a string or undefined', value);
  }

  /** A boolean or `undefined`. */
  boolean(name: string, value: unknown): void {
    this.that(value === undefined || typeof value === 'boolean', name, 'a boolean or undefined', value);
  }

  /** A finite number within `bounds`, or `undefined`. */
  number(name: string, value: unknown, bounds: NumberBounds = {}): void {
    if (value === undefined) return;
    const { min, above, integer = false } = bounds;
    const words = [integer ? 'a whole number' : 'a finite number'];
    if (min !== undefined) words.push(`≥ ${min}`);
    if (above !== undefined) words.push(`> ${above}`);
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value)) &&
      (min === undefined || value >= min) &&
      (above === undefined || value > above);
    this.that(ok, name, words.join(' '), value);
  }

  /** Only checks that a value is a number or `undefined`, for options whose range is checked later (a `RangeError`). */
  numberType(name: string, value: unknown): void {
    this.that(value === undefined || typeof value === 'number', name, 'a number or undefined', value);
  }

  /** An `AbortSignal` or `undefined`. */
  signal(name: string, value: unknown): void {
    this.that(value === undefined || isAbortSignal(value), name, 'an AbortSignal or undefined', value);
  }

  /** An array of strings or `undefined` (credentials: never echoed). */
  strings(name: string, value: unknown): void {
    if (value === undefined) return;
    this.that(Array.isArray(value), name, 'an array of strings or undefined', value);
    (value as readonly unknown[]).forEach((item, index) => this.string(`${name}[${index}]`, item, true));
  }

  /** One of the allowed names (shown in the message, with the received name truncated). */
  oneOf(name: string, value: unknown, allowed: readonly string[]): void {
    const ok = typeof value === 'string' && allowed.includes(value);
    this.that(ok, name, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value, true);
  }

  /** A clock (`{ now(): number }`, with an optional `sleep` function) or `undefined`. */
  clock(name: string, value: unknown): void {
    const ok =
      value === undefined ||
      (isRecord(value) &&
        typeof value['now'] === 'function' &&
        (value['sleep'] === undefined || typeof value['sleep'] === 'function'));
    this.that(ok, name, 'a clock ({ now(): number, sleep?(delayMs, options) }) or undefined', value);
  }

  /** A policy argument: a name or path (any string), a document or a compiled policy (objects). */
  policy(name: string, value: unknown): void {
    this.that(typeof value === 'string' || isRecord(value), name, POLICY_EXPECTED, value);
  }

  /** A compiled policy (from `compilePolicy`, `builtinPolicy` or `resolvePolicy`), by its shape. */
  compiledPolicy(name: string, value: unknown): void {
    this.that(
      isCompiledPolicyShape(value),
      name,
      'a compiled policy (from compilePolicy, builtinPolicy or resolvePolicy)',
      value,
    );
  }

  /** An engine (`createEngine`, `createVendorEngine`) or `undefined`. */
  engine(name: string, value: unknown): void {
    const ok = value === undefined || (isRecord(value) && typeof value['decide'] === 'function');
    this.that(ok, name, 'an engine (from createEngine or createVendorEngine) or undefined', value);
  }
}
