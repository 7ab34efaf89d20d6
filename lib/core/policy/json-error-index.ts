const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const LITERALS: Readonly<Record<string, string>> = { t: 'true', f: 'false', n: 'null' };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * Where JSON text (RFC 8259) first goes wrong: the index (UTF-16) of the first character that
 * cannot continue it, `text.length` when it ends too early, or `undefined` when it is valid JSON.
 * For placing an error JSON.parse reported without a position (V8 gives none for an unexpected
 * token); never for deciding what is valid. Iterative, so any nesting depth is fine.
 */
export function jsonErrorIndex(text: string): number | undefined {
  const n = text.length;
  const open: ('{' | '[')[] = [];
  /** The last value read opened a container (so it may close at once, or its first member follows). */
  let opened = false;
  let i = 0;
  const skipWhitespace = (): void => {
    while (i < n && WHITESPACE.has(text[i] as string)) i++;
  };
  /** Reads a string from its opening quote; the index of its first bad character, if any. */
  const string = (): number | undefined => {
    for (i++; i < n; i++) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c.charCodeAt(0) < 0x20) return i;
      if (c !== '\\') continue;
      const e = text[++i];
      if (e === 'u') {
        for (let k = 0; k < 4; k++) if (!isHex(text[++i])) return Math.min(i, n);
      } else if (e === undefined || !ESCAPES.has(e)) {
        return Math.min(i, n);
      }
    }
    return n;
  };
  /** Reads a number; the index of its first bad character, if any. */
  const number = (): number | undefined => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text[i])) while (isDigit(text[i])) i++;
    else return i;
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) return i;
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return i;
      while (isDigit(text[i])) i++;
    }
    return undefined;
  };
  /** Reads one value (a container only opens); the index of its first bad character, if any. */
  const value = (): number | undefined => {
    skipWhitespace();
    const c = text[i];
    if (c === undefined) return n;
    if (c === '{' || c === '[') {
      open.push(c);
      opened = true;
      i++;
      return undefined;
    }
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    const word = LITERALS[c];
    if (word === undefined) return i;
    for (const letter of word) {
      if (text[i] !== letter) return Math.min(i, n);
      i++;
    }
    return undefined;
  };
  /** After `{` or `,` in an object: a key and its colon. */
  const key = (): number | undefined => {
    skipWhitespace();
    if (text[i] !== '"') return i;
    const bad = string();
    if (bad !== undefined) return bad;
    skipWhitespace();
    if (text[i] !== ':') return i;
    i++;
    return undefined;
  };

  let bad = value();
  for (;;) {
    if (bad !== undefined) return bad;
    skipWhitespace();
    const top = open[open.length - 1];
    if (opened) {
      opened = false;
      if (text[i] === (top === '{' ? '}' : ']')) {
        open.pop();
        i++;
        continue;
      }
      bad = top === '{' ? key() : undefined;
      if (bad === undefined) bad = value();
      continue;
    }
    if (top === undefined) return i < n ? i : undefined;
    if (text[i] === ',') {
      i++;
      bad = top === '{' ? key() : undefined;
      if (bad === undefined) bad = value();
      continue;
    }
    if (text[i] === (top === '{' ? '}' : ']')) {
      open.pop();
      i++;
      continue;
    }
    return i;
  }
}
