import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../../..');
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g;

/** A transpiled copy of some sources, runnable by plain `node` in a child process. */
export interface CompiledTree {
  /** Absolute path of the transpiled entry file. */
  entry: string;
  remove(): void;
}

/**
 * Transpiles `entry` (relative to the repository root) and every relative import it reaches into
 * a temporary directory, so worker processes run the current sources (not a stale dist/).
 * Type errors are tsc's job; this only strips types.
 */
export function compileForWorkers(entry: string): CompiledTree {
  const outDir = mkdtempSync(join(tmpdir(), 'vr-limit-'));
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  const pending = [resolve(ROOT, entry)];
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
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  return {
    entry: join(outDir, entry).replace(/\.ts$/, '.js'),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
