/**
 * Every TypeScript snippet of README.md and docs/*.md type-checks against the packed package, as a
 * user pasting it into a strict project would compile it (`strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, `module: nodenext`). A snippet leaves some names to the reader
 * (`form`, `key`, an instance made earlier): SNIPPETS gives each one the declarations (and, for a
 * fragment, the imports) it assumes, and no more. A new ```ts block fails the coverage test until
 * it is listed here. Two snippets run as tests of their own (they also type-check here).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  packPackage,
  ROOT,
  typecheck,
  type ChildRun,
  type PackedPackage,
} from '../../support/packed-consumer.js';

/** What a snippet assumes: declarations before it, and for a fragment (`catch …`) what wraps it. */
interface Assumed {
  before?: string;
  wrap?: (code: string) => string;
}

const FORM = 'declare const form: FormData;\n';
const KEY = 'declare const key: string;\n';
const GOT_ADAPTER = "import got from 'got';\nimport { vendorResilience } from 'vendor-resilience/got';\n";
const PACING = "import { createPacing } from 'vendor-resilience/pacing';\n";
const WS = "import { createResilientWebSocket } from 'vendor-resilience/ws';\n";
const GUARD = "import { isVendorError } from 'vendor-resilience';\n";

/** Every ```ts block, by file and position (1-based), and what it assumes. */
const SNIPPETS: Record<string, Assumed> = {
  'README.md#1': { before: `${FORM}declare function play(data: unknown): void;\n` },
  'README.md#2': { before: FORM },
  'README.md#3': { before: FORM + KEY },
  'README.md#4': { before: FORM + KEY },
  'README.md#5': { before: `${GOT_ADAPTER + PACING + WS}declare const url: string;\n` },
  'README.md#6': { before: GOT_ADAPTER + PACING },
  'README.md#7': {
    before: `import type { Got } from 'got';\n${FORM}declare const zenhire: Got;\ndeclare const log: { warn(...values: unknown[]): void };\n`,
  },
  'README.md#8': {}, // also test/integration/simulator/readme-testing-snippet.test.ts
  'README.md#9': { before: 'declare const headers: Record<string, string>;\ndeclare const body: string;\n' },
  'docs/fetch.md#1': { before: KEY },
  'docs/fetch.md#2': { before: FORM + KEY },
  'docs/got.md#1': { before: FORM },
  'docs/got.md#2': {
    before: `${GOT_ADAPTER + PACING}declare const controller: AbortController;\ndeclare const log: { info(value: unknown): void };\n`,
  },
  'docs/got.md#3': {
    before:
      "import type { Got } from 'got';\nimport { pipeline } from 'node:stream/promises';\n" +
      'declare const gradium: Got;\ndeclare const text: string;\ndeclare const file: NodeJS.WritableStream;\n',
  },
  'docs/got.md#4': { before: FORM + KEY },
  'docs/got.md#5': {
    before: `${GUARD + KEY}declare const audio: Buffer;\ndeclare function show(message: unknown): void;\n`,
  },
  'docs/got.md#6': { before: GUARD, wrap: (code) => `try {\n  await Promise.resolve();\n} ${code}` },
  'docs/pacing.md#1': {
    before:
      "import type { CompiledPolicy, Engine, Signal } from 'vendor-resilience';\n" +
      'declare const policy: CompiledPolicy;\ndeclare const apiKey: string;\ndeclare const signal: AbortSignal;\n' +
      'declare const engine: Engine;\ndeclare function sendOnce(): Promise<Response>;\n' +
      'declare function signalFrom(response: Response): Signal;\n',
  },
  'docs/pacing.md#2': { before: PACING },
  'docs/pacing.md#3': { before: 'declare const url: string;\n' },
  'docs/pacing.md#4': { before: WS },
  'docs/policies.md#1': {},
  'docs/telemetry.md#1': {
    before:
      GOT_ADAPTER +
      PACING +
      WS +
      "import { runVendorJob, type VendorJobSpec } from 'vendor-resilience/got';\n" +
      'declare const spec: VendorJobSpec;\ndeclare const url: string;\n',
  },
  'docs/testing.md#1': {},
  'docs/testing.md#2': {}, // also test/integration/simulator/docs-example.test.ts
  'docs/websocket.md#1': {
    before:
      'declare function mintToken(signal: AbortSignal): Promise<string>;\ndeclare function handle(message: unknown): void;\n',
  },
};

/** pino is not a dependency here: a logger of its shape (the telemetry option takes any such logger). */
const PINO_STUB = `declare module 'pino' {
  interface Logger {
    debug(object: unknown, message?: string): void;
    info(object: unknown, message?: string): void;
    warn(object: unknown, message?: string): void;
    error(object: unknown, message?: string): void;
  }
  export default function pino(): Logger;
}
`;

/** The ```ts blocks of README.md and docs/*.md, keyed as SNIPPETS is. */
function docsSnippets(): Map<string, string> {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const snippets = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    [...text.matchAll(/```ts\n([\s\S]*?)```/g)].forEach((match, index) =>
      snippets.set(`${file}#${index + 1}`, match[1] ?? ''),
    );
  }
  return snippets;
}

const SNIPPET_TEXT = docsSnippets();
/** The consumer file of a snippet: `README.md#3` → `README.md-3.mts`. */
const fileOf = (key: string): string => `${key.replace(/[/#]/g, '-')}.mts`;

let packed: PackedPackage | undefined;
let tsc: ChildRun;

beforeAll(async () => {
  packed = await packPackage();
  const files: Record<string, string> = { 'pino.d.ts': PINO_STUB };
  for (const [key, code] of SNIPPET_TEXT) {
    const assumed = SNIPPETS[key] ?? {};
    files[fileOf(key)] = `${assumed.before ?? ''}${assumed.wrap ? assumed.wrap(code) : code}\nexport {};\n`;
  }
  const peers = ['got', 'ws', 'ky', '@types/node', '@types/ws', '@opentelemetry/api', '@jest/globals'];
  const dir = packed.consumer('docs-snippets', peers, files);
  tsc = await typecheck(dir, Object.keys(files), {
    noEmit: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    lib: ['es2023', 'dom'],
  });
}, 120_000);
afterAll(() => {
  packed?.remove();
});

/** tsc's diagnostics about `file`, each with its continuation lines. */
function diagnosticsOf(file: string): string[] {
  const out: string[] = [];
  for (const line of (tsc.stdout + tsc.stderr).split('\n')) {
    if (/^\S/.test(line)) out.push(line);
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1] += `\n${line}`;
  }
  return out.filter((line) => line.startsWith(`${file}(`));
}

describe('the docs’ TypeScript snippets', () => {
  test('every ```ts block is listed here (and every listed one exists)', () => {
    expect([...SNIPPET_TEXT.keys()].sort()).toEqual(Object.keys(SNIPPETS).sort());
  });

  test.each(Object.keys(SNIPPETS))('%s type-checks against the packed package', (key) => {
    expect(SNIPPET_TEXT.has(key)).toBe(true);
    expect(diagnosticsOf(fileOf(key))).toEqual([]);
  });

  test('tsc reports nothing else and exits 0', () => {
    expect(
      (tsc.stdout + tsc.stderr).split('\n').filter((line) => /^\S/.test(line) && !line.includes('.mts(')),
    ).toEqual([]);
    expect(tsc.code).toBe(0);
  });
});
