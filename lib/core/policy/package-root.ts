import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The directory holding `policies/` (found by walking up, so it works from sources and from `dist/`). */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'policies', 'policy.schema.json'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('vendor-resilience: cannot find its policies/ directory');
    dir = parent;
  }
}

/** The directory of the built-in policy files. */
export function builtinPolicyDir(): string {
  return join(packageRoot(), 'policies');
}
