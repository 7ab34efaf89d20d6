/**
 * The package's types as a TypeScript user of the published package meets them: consumer files
 * (consumer-types/*.fixture) type-checked with tsc against the packed build, through the exports
 * map, with the strictest options an application uses (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, `module: nodenext`, skipLibCheck off), from an ES module (.mts) and
 * a CommonJS one (.cts). One tsc run; each test checks the diagnostics of one consumer file. The
 * fixtures assert with `Equal<…>` and `@ts-expect-error`, so a wrong type fails them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packPackage, typecheck, type ChildRun, type PackedPackage } from '../../support/packed-consumer.js';

const FIXTURES = join(import.meta.dirname, 'consumer-types');
/** Consumer file name → its text (the fixture's name without `.fixture`). */
const FILES = Object.fromEntries(
  readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.fixture'))
    .map((name) => [name.replace(/\.fixture$/, ''), readFileSync(join(FIXTURES, name), 'utf8')]),
);
const STRICTEST = {
  noEmit: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  // The DOM's fetch types are what a browser-minded consumer (and ky) compile against.
  lib: ['es2023', 'dom'],
};

/** A fetch-only consumer (neither got nor ws, nor their types, nor the DOM's): root, /fetch and /pacing need none. */
const FETCH_ONLY = `import { isVendorError } from 'vendor-resilience';
import { presetJob, resilientFetch, runVendorJob } from 'vendor-resilience/fetch';
import { createPacing } from 'vendor-resilience/pacing';

const pacing = createPacing({ vendors: { breeze: { maxConcurrent: 2 } } });
const breezeFetch: typeof fetch = resilientFetch('breeze', { pacing, deadlineMs: undefined });
export async function call(): Promise<unknown> {
  try {
    await breezeFetch('http://127.0.0.1:9/v1/text-to-speech/voice', { method: 'POST' });
    return await runVendorJob('zenhire', presetJob('zenhire', { submit: { body: 'audio' } }));
  } catch (error) {
    if (isVendorError(error)) return error.decision.reason;
    throw error;
  }
}
`;

let packed: PackedPackage | undefined;
let tsc: ChildRun;
let fetchOnly: ChildRun;

beforeAll(async () => {
  packed = await packPackage();
  const dir = packed.consumer('types', ['got', 'ws', 'ky', '@types/node', '@types/ws'], FILES);
  tsc = await typecheck(dir, Object.keys(FILES), STRICTEST);
  const files = { 'fetch-only.mts': FETCH_ONLY, 'fetch-only.cts': FETCH_ONLY };
  const fetchDir = packed.consumer('fetch-only', ['@types/node'], files);
  // Node's own fetch types (@types/node), without the DOM's: a server-side project's setting.
  fetchOnly = await typecheck(fetchDir, Object.keys(files), { ...STRICTEST, lib: ['es2023'] });
}, 120_000);
afterAll(() => {
  packed?.remove();
});

/** tsc's diagnostics, each with its continuation lines (an elaboration of why a type does not fit). */
function diagnostics(): string[] {
  const out: string[] = [];
  for (const line of (tsc.stdout + tsc.stderr).split('\n')) {
    if (/^\S/.test(line)) out.push(line);
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1] += `\n${line}`;
  }
  return out;
}

/** tsc's diagnostics about `file` (a diagnostic starts with the file's name). */
function diagnosticsOf(file: string): string[] {
  return diagnostics().filter((line) => line.startsWith(`${file}(`));
}

describe('a strict TypeScript consumer of the packed package', () => {
  test('tsc reports nothing outside the consumer files (the package declarations check)', () => {
    expect(
      diagnostics().filter((line) => !Object.keys(FILES).some((file) => line.startsWith(`${file}(`))),
    ).toEqual([]);
  });

  test.each([
    ['got.mts', 'got.extend(vendorResilience(…)) is still a Got; isVendorError keeps got error fields'],
    ['got.cts', 'the same from require()'],
    ['fetch.mts', 'resilientFetch is a typeof fetch and a ky fetch option; its error narrows'],
    ['ws.mts', 'a session is used as ws code uses a WebSocket'],
    ['options.mts', 'options from a partial configuration (undefined values) type-check'],
  ])('%s: %s', (file) => {
    expect(FILES[file]).toBeDefined();
    expect(diagnosticsOf(file)).toEqual([]);
  });

  test('tsc exits 0', () => {
    expect(tsc.code).toBe(0);
  });
});

describe('a fetch-only consumer without got, ws and their types', () => {
  test('type-checks root, /fetch and /pacing from an ES module and a CommonJS one', () => {
    expect(fetchOnly.stdout + fetchOnly.stderr).toBe('');
    expect(fetchOnly.code).toBe(0);
  });
});
