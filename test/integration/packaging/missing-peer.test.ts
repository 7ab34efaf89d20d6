/**
 * The optional peers (`got` for `vendor-resilience/got` and its alias `/http`, `ws` for `/ws`, and
 * for `/testing` when it serves a WebSocket vendor) are reported by name when they are missing,
 * instead of a bare ERR_MODULE_NOT_FOUND from inside the library. (`require()` of the packed
 * package: commonjs-consumer.test.ts.) Each case installs the package, by its exports map, into a scratch `node_modules`
 * that holds only its declared dependencies plus the peers the case wants, and imports it from a
 * plain `node` child process (Node resolves bare imports from the importing file's real path, so
 * nothing may link back to the repository's own node_modules).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileForChild, type CompiledTree } from '../../support/compile-for-child.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let tree: CompiledTree;

beforeAll(() => {
  // The package's runtime files, transpiled from the current sources (not a possibly stale dist/).
  tree = compileForChild([
    'lib/index.ts',
    'lib/adapters/got/entry.ts',
    'lib/adapters/ws/entry.ts',
    'lib/pacing/index.ts',
    'lib/testing/index.ts',
  ]);
}, 60_000);
afterAll(() => tree?.remove());

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Imports `specifier` in a child whose node_modules holds vendor-resilience (package.json and
 * the transpiled tree as its dist/), its dependencies, and only the given peers.
 */
function importWith(peers: readonly string[], specifier: string, then = ''): Promise<ChildRun> {
  const dir = join(tree.dir, `case-${peers.join('-') || 'none'}`);
  rmSync(dir, { recursive: true, force: true });
  const modules = join(dir, 'node_modules');
  const self = join(modules, 'vendor-resilience');
  mkdirSync(self, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(self, 'package.json'));
  // dist/lib/… of the package is the transpiled lib/… (real path outside this node_modules).
  symlinkSync(tree.dir, join(self, 'dist'), 'dir');
  for (const name of [...Object.keys(PACKAGE.dependencies), ...peers])
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  // The transpiled tree sits next to the case directories: its own bare imports must find the
  // case's packages, so its node_modules (compileForChild links the repository's) is this one.
  rmSync(join(tree.dir, 'node_modules'), { force: true });
  symlinkSync(modules, join(tree.dir, 'node_modules'), 'dir');
  // The consumer is an application with a manifest of its own: inside the tree's (which is named
  // vendor-resilience) the package's name would resolve to the repository's dist/ instead.
  writeFileSync(join(dir, 'package.json'), '{"name":"consumer","private":true}\n');
  const script = join(dir, 'consumer.mjs');
  writeFileSync(
    script,
    `const api = await import(${JSON.stringify(specifier)});\nconsole.log(Object.keys(api).sort().join(','));\n${then}`,
  );
  return new Promise((done) => {
    // A plain `node`: no NODE_OPTIONS (the compat run's resolve hook would find got for it).
    const env = { ...process.env, NODE_OPTIONS: '' };
    execFile(process.execPath, [script], { cwd: dir, env, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('a missing optional peer says which package to install', () => {
  test.each([
    ['vendor-resilience/got', 'got', ['ws'], 'vendor-resilience/got'],
    ['vendor-resilience/http', 'got', ['ws'], 'vendor-resilience/got'],
    ['vendor-resilience/ws', 'ws', ['got'], 'vendor-resilience/ws'],
  ])('%s without %s installed', async (specifier, missing, peers, named) => {
    const run = await importWith(peers, specifier);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${named} needs the "${missing}" package, which is not installed`);
    expect(run.stderr).toContain(`npm install ${missing}`);
  });

  test.each([
    ['vendor-resilience', 'createVendorEngine'],
    ['vendor-resilience/pacing', 'createPacing'],
    ['vendor-resilience/testing', 'startVendorSimulator'],
  ])('%s needs neither got nor ws', async (specifier, name) => {
    const run = await importWith([], specifier);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split(',')).toContain(name);
  });

  test.each([
    ['zenhire', 'HTTP only', 0, ''],
    ['gradium', 'WebSocket', 1, 'vendor-resilience/testing needs the "ws" package, which is not installed'],
  ])('the simulator of %s (%s) without ws', async (vendor, _transport, code, message) => {
    const run = await importWith(
      [],
      'vendor-resilience/testing',
      `const sim = await api.startVendorSimulator({ vendor: '${vendor}' });\nawait sim.close();\n`,
    );
    expect(run.code).toBe(code);
    if (message) expect(run.stderr).toContain(message);
    else expect(run.stderr).toBe('');
  });

  test.each([
    ['vendor-resilience/got', 'vendorResilience'],
    ['vendor-resilience/http', 'vendorResilience'],
    ['vendor-resilience/ws', 'createResilientWebSocket'],
    ['vendor-resilience/testing', 'startVendorSimulator'],
  ])('%s loads when the peers are installed', async (specifier, name) => {
    const run = await importWith(['got', 'ws'], specifier);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split(',')).toContain(name);
  });
});

describe('the runtime entries export what index.ts exports', () => {
  test.each([
    [
      'http',
      () => import('../../../lib/adapters/got/index.js'),
      () => import('../../../lib/adapters/got/entry.js'),
    ],
    [
      'ws',
      () => import('../../../lib/adapters/ws/index.js'),
      () => import('../../../lib/adapters/ws/entry.js'),
    ],
  ] as const)('%s', async (_name, index, entry) => {
    const types = await index();
    const runtime = await entry();
    expect(Object.keys(runtime).sort()).toEqual(Object.keys(types).sort());
    for (const key of Object.keys(types))
      expect((runtime as Record<string, unknown>)[key]).toBe((types as Record<string, unknown>)[key]);
  });
});
