/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 20000,
  // ESM test files are evaluated in vm contexts that a worker keeps until it exits (~1 GB after
  // 80 files here); a worker past this heap is replaced between files, so no test measures memory
  // on a heap that other files have filled.
  workerIdleMemoryLimit: '512MB',
  // Fails a test file whose tests leave a pacer call or a library wait pending (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/support/settle-guard.ts'],
};
