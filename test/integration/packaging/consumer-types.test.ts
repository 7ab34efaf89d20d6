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

let packed: PackedPackage | undefined;
let tsc: ChildRun;

beforeAll(async () => {
  packed = await packPackage();
  const dir = packed.consumer('types', ['got', 'ws', 'ky', '@types/node', '@types/ws'], FILES);
  tsc = await typecheck(dir, Object.keys(FILES), STRICTEST);
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
