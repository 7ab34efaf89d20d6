// Compatibility run (`scripts/compat.sh`): the integration suites under another Node and got (by
// default Node 24 with got 16). Same as jest.config.js, except that every `import ... from 'got'`
// in lib/ and test/ resolves to the got that compat.sh installed (COMPAT_DIR, git-ignored under
// .compat/) instead of the dev dependency.
// Type-checking (ts-jest) still reads the dev dependency's types; only the runtime module changes.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/integration'],
  // got 16's package.json `exports` has a single entry: { types, default: ./dist/source/index.js }.
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^got$': `${process.env['COMPAT_DIR'] ?? '<rootDir>/.compat'}/node_modules/got/dist/source/index.js`,
  },
};
