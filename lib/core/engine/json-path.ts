/**
 * Reads a dotted path from parsed JSON using own properties only, so `__proto__`, `constructor`
 * and other inherited names never resolve to something the body did not contain.
 */
export function readPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    if (typeof node !== 'object' || node === null) return undefined;
    const key = path[i] as string;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Parses JSON text, returning `undefined` instead of throwing (malformed, too deep, not JSON). */
export function parseJsonSafely(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
