import { closeSync, constants, fstatSync, openSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CompiledPolicy } from './compiled.js';
import { compileSchemaValidPolicy } from './compile.js';
import { builtinPolicyDir } from './package-root.js';
import { jsonErrorIndex } from './json-error-index.js';
import { PolicyError } from './policy-error.js';
import { readAtMost } from '../../run/read-at-most.js';

/** Largest policy file read, in bytes: a policy is a page of rules, not a data dump. */
const MAX_POLICY_BYTES = 1024 * 1024;

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'neither a file nor a directory';
}

/** Refuses what cannot be a policy file before any byte is read. */
function refuseUnusable(path: string, stats: Stats): void {
  if (stats.isDirectory()) throw new PolicyError(path, '', 'cannot be read (EISDIR)');
  if (!stats.isFile()) throw new PolicyError(path, '', `is not a regular file (${kindOf(stats)})`);
  if (stats.size > MAX_POLICY_BYTES) {
    throw new PolicyError(
      path,
      '',
      `is ${stats.size} bytes; a policy file may be at most ${MAX_POLICY_BYTES}`,
    );
  }
}

/**
 * A policy file's bytes, never blocking on or draining something that is not a file: opening a
 * FIFO waits for a writer and /dev/zero never ends, so stat first; then open without blocking (the
 * path may have been swapped since), check the opened file again, and read at most one byte more
 * than the cap.
 */
function readPolicyBytes(path: string, file: string): Buffer {
  refuseUnusable(path, statSync(file));
  // O_NONBLOCK is POSIX-only (absent on Windows, where a FIFO cannot appear at a file path anyway).
  const nonBlocking = (constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;
  const fd = openSync(file, constants.O_RDONLY | nonBlocking);
  try {
    refuseUnusable(path, fstatSync(fd));
    const { bytes, over } = readAtMost(fd, MAX_POLICY_BYTES);
    if (over) {
      throw new PolicyError(
        path,
        '',
        `is over ${MAX_POLICY_BYTES} bytes; a policy file may be at most ${MAX_POLICY_BYTES}`,
      );
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/**
 * Why JSON.parse refused the text, without quoting it: V8's message quotes the text around the
 * error, and a file named by mistake (a key file, `/etc/passwd`) must never be echoed.
 */
function jsonProblem(text: string, error: Error): string {
  if (text.trim() === '') return 'is not valid JSON (the file is empty)';
  if (error.message.includes('Unexpected end of JSON input')) return 'is not valid JSON (it ends too early)';
  // V8 gives no position for an unexpected token (a single-quoted string, a bare word): found here.
  const at = /position (\d+)/.exec(error.message)?.[1] ?? jsonErrorIndex(text);
  if (at === undefined) return 'is not valid JSON (an unexpected character)';
  const before = text.slice(0, Number(at));
  const line = before.split('\n').length;
  return `is not valid JSON (at line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Reads and parses one policy file (not yet validated); a {@link PolicyError} names the file and the problem. */
export function readPolicyDocument(path: string): unknown {
  const file = resolve(path);
  let text: string;
  try {
    // A byte order mark (Windows editors save one) is skipped, as Node's require() of JSON does.
    text = readPolicyBytes(path, file)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError(
      path,
      '',
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PolicyError(path, '', jsonProblem(text, error as Error));
  }
}

let builtinNames: readonly string[] | undefined;
const builtinCache = new Map<string, CompiledPolicy>();

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
  // Shipped with the package and checked against the schema by a test: not checked again here.
  const file = join(builtinPolicyDir(), `${name}.json`);
  const policy = compileSchemaValidPolicy(readPolicyDocument(file), file);
  builtinCache.set(name, policy);
  return policy;
}

/** Whether a policy string names a file (it has `/`, `\` or ends in `.json`) rather than a built-in policy. */
export function namesPolicyFile(input: string): boolean {
  return /[\\/]|\.json$/i.test(input);
}
