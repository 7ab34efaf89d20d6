/**
 * The shape of lib/ (issue 14): no import cycle among its files, type-only imports included (a
 * cycle of types still ties the files into one unit), and nothing in lib/ reaching into demo/,
 * bench/, test/ or examples/ (the package ships lib/ alone).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUTSIDE_THE_PACKAGE = ['demo', 'bench', 'test', 'examples'];

/** Every TypeScript source under `directory` (`.ts` and the CommonJS entries' `.cts`), repo-relative. */
function sourcesUnder(directory: string): string[] {
  return readdirSync(join(REPO, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.c?ts$/.test(file))
    .map((file) => join(directory, file))
    .sort();
}

/**
 * The repo-relative file a relative specifier names: the compiled name (`.js`, `.cjs`) stands for its
 * source (`.ts`, `.cts`); a name without extension may be a file or a folder's index.
 */
function resolveSpecifier(fromFile: string, specifier: string): string {
  const target = join(dirname(fromFile), specifier);
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target.replace(/\.cjs$/, '.cts'),
    `${target}.ts`,
    join(target, 'index.ts'),
    target,
  ];
  return candidates.find((candidate) => existsSync(join(REPO, candidate))) ?? target;
}

/**
 * Each file's relative imports, resolved: `import`, `import type`, `export … from`, `import()` (in
 * code or in a type) and `require()`, as TypeScript's own pre-processor finds them.
 */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(REPO, file), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
      .map((specifier) => resolveSpecifier(file, specifier));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, counter);
    lowest.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!order.has(target)) {
        visit(target);
        lowest.set(file, Math.min(lowest.get(file)!, lowest.get(target)!));
      } else if (onStack.has(target)) {
        lowest.set(file, Math.min(lowest.get(file)!, order.get(target)!));
      }
    }
    if (lowest.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!order.has(file)) visit(file);
  return cycles;
}

describe('lib/ import graph', () => {
  const graph = importGraph(sourcesUnder('lib'));

  it('reads the whole of lib/ and its type imports', () => {
    // Guards the reading itself: a graph that missed files or type-only edges would pass vacuously.
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(join('lib', 'testing', 'fault-scheduler.ts'))).toContain(
      join('lib', 'testing', 'fault-plan.ts'),
    );
  });

  it('has no import cycle (type imports included)', () => {
    const cycles = importCycles(graph).map((component) => component.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('imports nothing from demo/, bench/, test/ or examples/', () => {
    const outside = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => OUTSIDE_THE_PACKAGE.includes(target.split(sep)[0]!))
        .map((target) => `${file} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('reports the cycles of a graph (the detector itself)', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
