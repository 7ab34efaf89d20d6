import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g;

/** A transpiled copy of some sources, runnable by plain `node` in a child process. */
export interface CompiledTree {
  /** Absolute path of the transpiled first entry file. */
  entry: string;
  /** The temporary directory holding the copy (a child's working directory, for example). */
  dir: string;
  /** Absolute path of the transpiled copy of `source` (relative to the repository root). */
  pathOf(source: string): string;
  remove(): void;
}

/**
 * Transpiles `entries` (relative to the repository root) and every relative import they reach
 * into a temporary directory, so child processes run the current sources (not a stale dist/)
 * under plain `node`; imports of the package by its name (examples/) load the build in dist/. Type errors are tsc's job; this only strips types. `root` is for callers
 * that load this file from a transpiled copy of their own (scripts/run-example.mjs).
 */
export function compileForChild(entries: string | readonly string[], root = REPOSITORY_ROOT): CompiledTree {
  const sources = typeof entries === 'string' ? [entries] : entries;
  const outDir = mkdtempSync(join(tmpdir(), 'vr-child-'));
  // The package's own name (examples import `vendor-resilience/…`) resolves as in the repository:
  // through its exports map to the build in dist/.
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    exports: unknown;
  };
  const selfReference = { name: manifest.name, type: 'module', exports: manifest.exports };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(selfReference)}\n`);
  symlinkSync(join(root, 'dist'), join(outDir, 'dist'), 'dir');
  symlinkSync(join(root, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  // The library finds its built-in policies by walking up from its own files to `policies/`.
  symlinkSync(join(root, 'policies'), join(outDir, 'policies'), 'dir');
  const pending = sources.map((source) => resolve(root, source));
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(RELATIVE_IMPORT))
      pending.push(resolve(dirname(file), `${match[1]}.ts`));
    const output = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
      fileName: file,
    }).outputText;
    const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  const pathOf = (source: string): string => join(outDir, source).replace(/\.ts$/, '.js');
  return {
    entry: pathOf(sources[0] ?? ''),
    dir: outDir,
    pathOf,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
