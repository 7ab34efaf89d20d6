import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CompiledPolicy } from './compiled.js';
import { compilePolicy } from './compile.js';
import { builtinPolicyDir } from './package-root.js';
import { PolicyError } from './policy-error.js';

/** Largest policy file read, in bytes: a policy is a page of rules, not a data dump. */
const MAX_POLICY_BYTES = 1024 * 1024;

/** Reads, parses, validates and compiles one policy file; a {@link PolicyError} names the file, field and problem. */
export function loadPolicyFile(path: string): CompiledPolicy {
  const file = resolve(path);
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_POLICY_BYTES) {
      throw new PolicyError(
        path,
        '',
        `is ${bytes.length} bytes; a policy file may be at most ${MAX_POLICY_BYTES}`,
      );
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError(
      path,
      '',
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(path, '', `is not valid JSON (${(error as Error).message})`);
  }
  return compilePolicy(parsed, path);
}

let builtinNames: readonly string[] | undefined;
const builtinCache = new Map<string, CompiledPolicy>();
const fileCache = new Map<string, CompiledPolicy>();

/** Names of the policies shipped in `policies/`. */
export function builtinPolicyNames(): readonly string[] {
  builtinNames ??= readdirSync(builtinPolicyDir())
    .filter((f) => f.endsWith('.json') && f !== 'policy.schema.json')
    .map((f) => basename(f, '.json'))
    .sort();
  return builtinNames;
}

/** The compiled built-in policy of that name (cached). */
export function builtinPolicy(name: string): CompiledPolicy {
  const cached = builtinCache.get(name);
  if (cached) return cached;
  if (!builtinPolicyNames().includes(name)) {
    throw new PolicyError(
      name,
      '',
      `is not a built-in policy (built-in: ${builtinPolicyNames().join(', ')})`,
    );
  }
  const policy = loadPolicyFile(join(builtinPolicyDir(), `${name}.json`));
  builtinCache.set(name, policy);
  return policy;
}

/** Something that names a policy: a built-in name, a path to a JSON file, a document, or an already compiled policy. */
export type PolicyInput = string | CompiledPolicy | object;

function isCompiled(value: object): value is CompiledPolicy {
  return 'rules' in value && 'envelopes' in value && 'document' in value && Object.isFrozen(value);
}

/** Resolves a {@link PolicyInput} to a compiled policy: names first, then paths (anything with `/`, `\` or `.json`; each file is read once). */
export function resolvePolicy(input: PolicyInput): CompiledPolicy {
  if (typeof input === 'string') {
    if (!/[\\/]|\.json$/i.test(input)) return builtinPolicy(input);
    // Adapters resolve per call (jobs, message streams): read and compile each file once.
    const file = resolve(input);
    const cached = fileCache.get(file);
    if (cached) return cached;
    const policy = loadPolicyFile(input);
    fileCache.set(file, policy);
    return policy;
  }
  if (isCompiled(input)) return input;
  return compilePolicy(input);
}
