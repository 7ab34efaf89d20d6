/**
 * The published package as applications get it (issue 15 items 3 and 4): `npm pack` of the
 * build in dist/ (run `npm run build` after changing lib/; `npm test` builds first), unpacked
 * into the node_modules of a scratch consumer whose other packages are links to the repository's
 * (no network, no npm install). Two consumers:
 *   - a CommonJS one with every peer: `require()` of every subpath works, gives the same objects
 *     as `import()`, and a `.cts` file type-checks against the package's types (`module: nodenext`);
 *   - an HTTP-only one without `ws` and `@types/ws`: its `.cts` and `.mts` files type-check, and
 *     both run a got call against the zenhire simulator; `/ws`, and a WebSocket vendor's simulator,
 *     say to install ws, in `require()` and in `import`.
 * Node runs as this process does: Node 20 in the main run, 22 and 24 in the compat runs
 * (scripts/compat.sh runs test/integration with its own Node).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  packPackage,
  run,
  typecheck,
  type ChildRun,
  type PackedPackage,
} from '../../support/packed-consumer.js';

let packed: PackedPackage | undefined;

/** A consumer project named `name` with vendor-resilience, its dependencies and `peers` installed. */
function consumer(name: string, peers: readonly string[], files: Record<string, string>): string {
  if (!packed) throw new Error('the package is not packed');
  return packed.consumer(name, peers, files);
}

/** tsc with `module: nodenext` on `files`, emitting .cjs/.mjs next to them; skipLibCheck off. */
function typecheckAndEmit(dir: string, files: readonly string[]): Promise<ChildRun> {
  return typecheck(dir, files);
}

beforeAll(async () => {
  packed = await packPackage();
}, 60_000);
afterAll(() => {
  packed?.remove();
});

/** Every subpath and one function it exports. */
const SUBPATHS: Record<string, string> = {
  'vendor-resilience': 'createVendorEngine',
  'vendor-resilience/got': 'vendorResilience',
  'vendor-resilience/http': 'vendorResilience',
  'vendor-resilience/ws': 'createResilientWebSocket',
  'vendor-resilience/fetch': 'resilientFetch',
  'vendor-resilience/pacing': 'createPacing',
  'vendor-resilience/testing': 'startVendorSimulator',
};

const FULL_CTS = `import engine = require('vendor-resilience');
import http = require('vendor-resilience/got');
import alias = require('vendor-resilience/http');
import websocket = require('vendor-resilience/ws');
import fetchAdapter = require('vendor-resilience/fetch');
import pacing = require('vendor-resilience/pacing');
import testing = require('vendor-resilience/testing');

const subpaths: Record<string, string> = ${JSON.stringify(SUBPATHS)};
const names: string[] = [];
for (const [subpath, name] of Object.entries(subpaths)) {
  const api = require(subpath) as Record<string, unknown>;
  if (typeof api[name] !== 'function') throw new Error(subpath + ' has no function ' + name);
  names.push(subpath);
}
const decision: engine.Decision = engine
  .createVendorEngine()
  .decide({ vendor: 'zenhire', phase: 'submit', status: 429, headers: { 'retry-after': '3' } });
const typed: unknown[] = [
  http.vendorResilience,
  alias.presetJob,
  websocket.createResilientWebSocket,
  fetchAdapter.resilientFetch,
  pacing.createPacing,
  testing.startVendorSimulator,
];
// require() and import() give the same module instances (no second copy of the library).
void import('vendor-resilience/got').then((imported) => {
  if (imported.vendorResilience !== http.vendorResilience) throw new Error('two copies of /got');
  console.log(JSON.stringify({ names, action: decision.action, typed: typed.length }));
});
`;

describe('a CommonJS consumer with every peer installed', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('full', ['got', 'ws', 'ioredis', '@types/node', '@types/ws'], {
      'consumer.cts': FULL_CTS,
    });
  });

  test('type-checks a .cts file requiring every subpath, and require() loads each', async () => {
    const tsc = await typecheckAndEmit(dir, ['consumer.cts']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
    const node = await run(process.execPath, ['consumer.cjs'], dir);
    expect(node.stderr).toBe('');
    expect(JSON.parse(node.stdout)).toEqual({ names: Object.keys(SUBPATHS), action: 'backoff', typed: 6 });
  }, 60_000);
});

/** The HTTP-only consumer's program, the same in a .cts (require) and a .mts (import) file. */
function httpOnly(load: (subpath: string) => string): string {
  return `import assert = require('node:assert');
import got from 'got';
${load('vendor-resilience')}
${load('vendor-resilience/got')}
${load('vendor-resilience/pacing')}
${load('vendor-resilience/testing')}

async function main(): Promise<void> {
  const clock = testing.createManualClock(0, { autoAdvance: true });
  const faultPlan = { faults: [{ kind: 'error' as const, code: 'INTERNAL_ERROR', status: 500, times: 1 }] };
  const sim = await testing.startVendorSimulator({ vendor: 'zenhire', clock, faultPlan });
  try {
    const pacer = pacing.createPacing({ clock, vendors: { zenhire: { maxConcurrent: 4 } } });
    const zenhire = got.extend({ prefixUrl: sim.url }, http.vendorResilience('zenhire', { clock, pacing: pacer }));
    const reply = await zenhire.post('api/v1/speech/analyze', { body: 'audio' }).json<{ status: string }>();
    assert.equal(reply.status, 'queued');
    const decision: engine.Decision = engine.createVendorEngine().decide({ vendor: 'zenhire', phase: 'submit', status: 503 });
    console.log(JSON.stringify({ statuses: sim.requests().map((r) => r.status), action: decision.action }));
    await assert.rejects(testing.startVendorSimulator({ vendor: 'gradium' }), (error: Error) => {
      console.error(error.message);
      return true;
    });
  } finally {
    clock.dispose();
    await sim.close();
  }
}
void main();
`;
}

describe('an HTTP-only consumer without ws and @types/ws', () => {
  let dir: string;
  let tsc: ChildRun;
  beforeAll(async () => {
    const alias = (subpath: string) => (subpath.split('/')[1] ?? 'engine').replace('got', 'http');
    dir = consumer('http-only', ['got', '@types/node'], {
      'consumer.cts': httpOnly((subpath) => `import ${alias(subpath)} = require('${subpath}');`),
      'consumer.mts': httpOnly((subpath) => `import * as ${alias(subpath)} from '${subpath}';`),
      'ws.cjs': "require('vendor-resilience/ws');\n",
      'ws.mjs': "await import('vendor-resilience/ws');\n",
    });
    // Also emits consumer.cjs and consumer.mjs, which the tests below run.
    tsc = await typecheckAndEmit(dir, ['consumer.cts', 'consumer.mts']);
  }, 60_000);

  test('type-checks (root, /got, /pacing, /testing need no ws types)', () => {
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  test.each(['consumer.cjs', 'consumer.mjs'])(
    '%s calls the zenhire simulator through got; a WebSocket vendor says to install ws',
    async (file) => {
      const node = await run(process.execPath, [file], dir);
      expect(JSON.parse(node.stdout)).toEqual({ statuses: [500, 202], action: 'retry' });
      expect(node.stderr.trim()).toBe(
        'vendor-resilience/testing needs the "ws" package, which is not installed: npm install ws',
      );
      expect(node.code).toBe(0);
    },
    60_000,
  );

  test.each(['ws.cjs', 'ws.mjs'])(
    '%s: vendor-resilience/ws says to install ws',
    async (file) => {
      const node = await run(process.execPath, [file], dir);
      expect(node.code).not.toBe(0);
      expect(node.stderr).toContain(
        'vendor-resilience/ws needs the "ws" package, which is not installed: npm install ws',
      );
    },
    30_000,
  );
});

describe('a consumer without got', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('no-got', [], {
      'got.cjs': "require('vendor-resilience/got');\n",
      'got.mjs': "await import('vendor-resilience/got');\n",
      'http.cjs': "require('vendor-resilience/http');\n",
      'http.mjs': "await import('vendor-resilience/http');\n",
    });
  });

  test.each(['got.cjs', 'got.mjs', 'http.cjs', 'http.mjs'])(
    '%s says to install got',
    async (file) => {
      const node = await run(process.execPath, [file], dir);
      expect(node.code).not.toBe(0);
      expect(node.stderr).toContain(
        'vendor-resilience/got needs the "got" package, which is not installed: npm install got',
      );
    },
    30_000,
  );
});
