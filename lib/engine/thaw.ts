/**
 * An unfrozen twin of a compiled policy's regular expression, for matching. Compiled policies
 * freeze their RegExps, and V8 runs a frozen RegExp through its slow, fully generic exec path
 * (about three times the cost of a test). A fresh RegExp with the same source and flags matches
 * exactly the same; only one that is global or sticky keeps the original, because its matching
 * depends on (and writes) `lastIndex`.
 */
export function thaw(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? pattern : new RegExp(pattern.source, pattern.flags);
}
