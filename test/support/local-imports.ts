/** The package's entry points as docs import them, and the source each one is built from here. */
const ENTRY_SOURCES: Record<string, string> = {
  'vendor-resilience': 'index.ts',
  'vendor-resilience/got': 'adapters/got/index.ts',
  'vendor-resilience/http': 'adapters/got/index.ts',
  'vendor-resilience/ws': 'adapters/ws/index.ts',
  'vendor-resilience/pacing': 'pacing/index.ts',
  'vendor-resilience/testing': 'testing/index.ts',
};

/**
 * A snippet from the docs with its `vendor-resilience…` imports turned into the relative imports a
 * test file at `depth` directories below the repository root uses, so a test can hold the docs'
 * code verbatim (import paths aside) and check the docs show exactly it.
 */
export function withLocalImports(code: string, depth: number): string {
  const up = '../'.repeat(depth);
  return code.replace(/'(vendor-resilience(?:\/\w+)?)'/g, (all, entry: string) => {
    const source = ENTRY_SOURCES[entry];
    return source === undefined ? all : `'${up}lib/${source.replace(/\.ts$/, '.js')}'`;
  });
}
