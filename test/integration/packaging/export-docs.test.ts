/**
 * Every name each entry point exports has a TSDoc comment in the emitted declarations (dist/lib/…
 * .d.ts, what an editor shows a user on hover): the comment of its declaration, followed through
 * re-exports and aliases. Run `npm run build` after changing lib/.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../../..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
};
/** Each module entry point and its declarations file (`./http` is `./got`'s file again). */
const ENTRIES = Object.entries(MANIFEST.exports).flatMap(([entry, target]) =>
  typeof target === 'object' && target.types !== undefined && entry !== './http'
    ? [[entry, join(ROOT, target.types)] as const]
    : [],
);

describe('TSDoc on every export of the emitted declarations', () => {
  const built = ENTRIES.every(([, file]) => existsSync(file));
  const program = ts.createProgram(
    ENTRIES.map(([, file]) => file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      types: ['node'],
    },
  );
  const checker = program.getTypeChecker();

  /** Exported names of `file` whose declarations carry no documentation comment. */
  const undocumented = (file: string): string[] => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`no module for ${file}`);
    return checker
      .getExportsOfModule(module)
      .filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return [symbol, target].every(
          (one) => ts.displayPartsToString(one.getDocumentationComment(checker)).trim() === '',
        );
      })
      .map((symbol) => symbol.name)
      .sort();
  };

  test('dist/ is built', () => {
    expect(built).toBe(true);
  });

  test.each(ENTRIES.map(([entry, file]) => [entry, file]))('%s', (_entry, file) => {
    expect(undocumented(file)).toEqual([]);
  });
});
