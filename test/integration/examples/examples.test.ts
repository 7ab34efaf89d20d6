/**
 * Runs every program in examples/ as a plain `node` child process against the simulator of its
 * vendor, so the examples cannot rot: once with the recoverable faults its header comment promises
 * (examples/support/simulator-setups.ts), and once with a fatal fault. What the example printed is
 * checked against what the simulator saw. The API key is a canary that must never be printed.
 *
 * Time runs 100× faster for the example and the simulator alike: the example process is started
 * with `node --import examples/support/scaled-time-preload.ts` (its clock and timers scaled), the
 * simulator on the same scaled clock; the programs themselves carry no time option. Every wait is
 * still waited in full on the shared clock (the poll gaps are checked on it), so the vendors'
 * schedules stay honest while ZenHire's 15 s polls take 150 ms.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createScaledTime } from '../../../demo/time-scale.js';
import {
  EXAMPLE_SETUPS,
  refuseScaleForRemoteUrls,
  SCALED_TIME_PRELOAD,
  TIME_ORIGIN_VARIABLE,
  TIME_SCALE_VARIABLE,
  type ExampleName,
  type ExampleSetup,
} from '../../../examples/support/simulator-setups.js';
import { startVendorSimulator, type FaultPlan, type RecordedRequest } from '../../../lib/testing/index.js';
import { compileForChild, type CompiledTree } from '../../support/compile-for-child.js';

const CANARY_KEY = 'canary-key-5d1e7b93a0c4';
const TIME_SCALE = 100;
const CHILD_TIMEOUT_MS = 15_000;
const EXAMPLE_NAMES = Object.keys(EXAMPLE_SETUPS) as ExampleName[];

let tree: CompiledTree;

beforeAll(() => {
  tree = compileForChild([...EXAMPLE_NAMES.map((name) => `examples/${name}.ts`), SCALED_TIME_PRELOAD]);
  // Every run uses the same scratch directory as its working directory (breeze.mp3 lands there).
  for (const name of EXAMPLE_NAMES) {
    for (const [file, bytes] of Object.entries(setupOf(name).inputs))
      writeFileSync(join(tree.dir, file), bytes);
  }
}, 60_000);
afterAll(() => tree?.remove());

function setupOf(name: ExampleName): ExampleSetup {
  return EXAMPLE_SETUPS[name];
}

/** What one run of an example printed and what its simulator saw. */
interface ExampleRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  requests: readonly RecordedRequest[];
}

/**
 * Runs an example against a fresh simulator of its vendor; `simulatorKey` differs from the
 * canary the example sends to make the simulator refuse it; `env` overrides the example's variables.
 */
async function runExample(
  name: ExampleName,
  {
    faultPlan,
    simulatorKey = CANARY_KEY,
    env: extraEnv = {},
  }: { faultPlan: FaultPlan; simulatorKey?: string; env?: Record<string, string> },
): Promise<ExampleRun> {
  const setup = setupOf(name);
  const originMs = Date.now();
  const simulator = await startVendorSimulator({
    vendor: setup.vendor,
    apiKey: simulatorKey,
    clock: createScaledTime(TIME_SCALE, originMs).clock,
    faultPlan,
  });
  try {
    // Only what the example needs, and not jest's VM-modules flag: the example runs as plain `node`.
    // Other NODE_OPTIONS stay: the compat run (scripts/compat.sh) hands children got 16 through one.
    const nodeOptions = (process.env['NODE_OPTIONS'] ?? '').replace('--experimental-vm-modules', '').trim();
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
      ...setup.env(simulator, CANARY_KEY),
      [TIME_SCALE_VARIABLE]: String(TIME_SCALE),
      [TIME_ORIGIN_VARIABLE]: String(originMs),
      ...extraEnv,
    };
    // As scripts/run-example.mjs does: the scaled clock only for an example aimed at this machine.
    const exampleVariables = Object.keys(setup.env(simulator, CANARY_KEY));
    refuseScaleForRemoteUrls(Object.fromEntries(exampleVariables.map((key) => [key, env[key]])));
    const preload = pathToFileURL(tree.pathOf(SCALED_TIME_PRELOAD)).href;
    const entry = tree.pathOf(`examples/${name}.ts`);
    const { exitCode, stdout, stderr } = await new Promise<Omit<ExampleRun, 'requests'>>((done) => {
      execFile(
        process.execPath,
        ['--import', preload, entry, ...setup.args],
        { cwd: tree.dir, env, timeout: CHILD_TIMEOUT_MS },
        (error, out, err) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          done({ exitCode: code, stdout: out, stderr: err });
        },
      );
    });
    return { exitCode, stdout, stderr, requests: simulator.requests() };
  } finally {
    await simulator.close();
  }
}

/** One line per request or connection: endpoint, then the HTTP status and code or the close code. */
function summary(request: RecordedRequest): string {
  const answer =
    request.transport === 'ws'
      ? `close ${request.wsCloseCode ?? '-'}`
      : `${request.status ?? '-'}${request.code === undefined ? '' : ` ${request.code}`}`;
  return `${request.endpoint ?? request.path} ${answer}`;
}

/** Simulator-clock gaps between consecutive requests. */
function gapsMs(requests: readonly RecordedRequest[]): number[] {
  return requests.slice(1).map((request, index) => request.receivedAtMs - requests[index]!.receivedAtMs);
}

/** The types of the JSON text messages a WebSocket connection received. */
function messageTypes(request: RecordedRequest): unknown[] {
  return request.wsMessagesReceived.map((m) => (JSON.parse(m.text ?? '{}') as { type?: unknown }).type);
}

function expectNoKey(run: ExampleRun): void {
  expect(run.stdout).not.toContain(CANARY_KEY);
  expect(run.stderr).not.toContain(CANARY_KEY);
}

function expectSuccess(run: ExampleRun): void {
  // On a mismatch jest prints the whole run: what the example said and what the simulator saw.
  expect(run).toMatchObject({ exitCode: 0 });
  expectNoKey(run);
}

test('every program in examples/ has a simulator setup', () => {
  const programs = readdirSync(resolve(import.meta.dirname, '../../../examples'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => basename(file, '.ts'));
  expect([...EXAMPLE_NAMES].sort()).toEqual(programs.sort());
});

/** The module specifiers a source imports (static, dynamic and type-only), as TypeScript parses them. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined
    ) {
      const [argument] = node.arguments;
      specifiers.push(ts.isStringLiteral(argument) ? argument.text : `<computed ${argument.getText()}>`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** What an example may import to be copied unchanged into an app: the package, Node, its peers. */
function isAppImport(specifier: string): boolean {
  return (
    /^vendor-resilience(?:\/[a-z]+)?$/.test(specifier) ||
    (specifier.startsWith('node:') &&
      (builtinModules.includes(specifier) || builtinModules.includes(specifier.slice('node:'.length)))) ||
    ['got', 'ws'].includes(specifier)
  );
}

test('every import of every example is the package by its name, a node: builtin or a peer (got, ws): none relative', () => {
  for (const name of EXAMPLE_NAMES) {
    const imports = importsOf(resolve(import.meta.dirname, `../../../examples/${name}.ts`));
    expect(imports).toContainEqual(expect.stringMatching(/^vendor-resilience/));
    expect({ name, imports: imports.filter((specifier) => !isAppImport(specifier)) }).toEqual({
      name,
      imports: [],
    });
  }
  // So nothing but the programs (and the runner's preload) was transpiled for them: they ran on dist/.
  expect(readdirSync(join(tree.dir, 'examples')).sort()).toEqual(
    [...EXAMPLE_NAMES.map((name) => `${name}.js`), 'support'].sort(),
  );
  expect(readdirSync(join(tree.dir, 'examples/support'))).toEqual(['scaled-time-preload.js']);
  expect(existsSync(join(tree.dir, 'lib'))).toBe(false);
});

/** The ZenHire job's run, through got or fetch: the same requests, on the server's schedule. */
const zenhireJobSurvives = (run: ExampleRun): void => {
  expect(JSON.parse(run.stdout)).toMatchObject({ id: 'req_000001', status: 'success' });
  expect(run.requests.map(summary)).toEqual([
    'zenhire.submit 503 SERVICE_WARMING_UP',
    'zenhire.submit 202', // submitted once: one run
    'zenhire.poll 429 POLL_RATE_LIMITED',
    'zenhire.poll 200', // processing
    'zenhire.poll 200', // success
  ]);
  const polls = run.requests.filter((r) => r.endpoint === 'zenhire.poll');
  expect(new Set(polls.map((r) => r.path))).toEqual(new Set(['/api/v1/speech/analyze/req_000001']));
  // Every wait in full on the shared clock: Retry-After 30 s, pollIntervalSeconds 15, Retry-After 10 s, 15 s.
  const [warmUp, queued, limited, processing] = gapsMs(run.requests);
  expect(warmUp).toBeGreaterThanOrEqual(30_000);
  expect(queued).toBeGreaterThanOrEqual(15_000);
  expect(limited).toBeGreaterThanOrEqual(10_000);
  expect(processing).toBeGreaterThanOrEqual(15_000);
};

/** For each example: what a run with its recoverable faults must show. */
const survives: Record<ExampleName, (run: ExampleRun) => void> = {
  'audixa-ws-stream': (run) => {
    // 9 words × one 960-byte chunk: the chunks of the dead connection were dropped, not added.
    expect(run.stdout).toMatch(
      /^closed 1000; 8640 bytes of audio; backup file: http:\/\/127\.0\.0\.1:\d+\/cdn\/gen_000002\.wav$/m,
    );
    expect(run.stderr).toMatch(/reconnecting in \d+ ms: audixa 1011/);
    expect(run.requests.map(summary)).toEqual(['audixa.ws-stream close 1011', 'audixa.ws-stream close 1000']);
    expect(run.requests[0]!.faults).toEqual(['ws-error']);
    // The request went again, first, on the new connection; the key only ever in the URL, redacted.
    for (const connection of run.requests) {
      expect(connection.wsMessagesReceived).toHaveLength(1);
      expect(connection.path).toContain('api_key=[REDACTED]');
    }
    expect(run.requests[1]!.wsMessagesReceived[0]!.text).toBe(run.requests[0]!.wsMessagesReceived[0]!.text);
  },
  'gradium-ws-tts': (run) => {
    expect(run.stdout).toMatch(/^closed 1000; 8640 bytes of PCM audio over 2 connection\(s\)$/m);
    expect(run.stderr).toMatch(/reconnecting in \d+ ms: gradium 1011/);
    // A retried token request, then a fresh single-use token per connection (a reused one is refused).
    expect(run.requests.map(summary)).toEqual([
      'gradium.token 500 1011',
      'gradium.token 200',
      'gradium.ws-tts close 1011',
      'gradium.token 200',
      'gradium.ws-tts close 1000',
    ]);
    const [first, second] = run.requests.filter((r) => r.transport === 'ws');
    // The setup first, then the replayed text on the new connection.
    expect(messageTypes(first!)).toEqual(['setup', 'text', 'end_of_stream']);
    expect(messageTypes(second!)).toEqual(['setup', 'text', 'end_of_stream']);
  },
  'fetch-breeze-tts': (run) => {
    expect(JSON.parse(run.stdout)).toEqual({ status: 200, contentType: 'audio/mpeg' });
    expect(run.stderr).toContain('wrote 2048 bytes to breeze-fetch.mp3');
    expect(statSync(join(tree.dir, 'breeze-fetch.mp3')).size).toBe(2048);
    expect(run.requests.map(summary)).toEqual([
      'breeze.tts 429 RATE_LIMITED',
      'breeze.tts 502 UPSTREAM_GENERATION_ERROR',
      'breeze.tts 200',
    ]);
    // The announced Retry-After in full, on the shared clock.
    expect(gapsMs(run.requests)[0]).toBeGreaterThanOrEqual(5_000);
  },
  'http-audixa-job': (run) => {
    expect(run.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/cdn\/gen_000002\.wav$/);
    expect(run.stderr).toContain('2 generation(s)');
    expect(run.requests.map(summary)).toEqual([
      'audixa.create 201',
      'audixa.poll 500', // retried: a poll is safe to repeat
      'audixa.poll 200', // GENERATING
      'audixa.poll 200', // FAILED: created afresh
      'audixa.create 201',
      'audixa.poll 200', // GENERATING
      'audixa.poll 200', // COMPLETED
    ]);
    expect(run.requests[0]!.faults).toEqual(['job-failure']);
    expect(run.requests.slice(1, 4).every((r) => r.path.endsWith('generation_id=gen_000001'))).toBe(true);
    expect(run.requests.slice(5).every((r) => r.path.endsWith('generation_id=gen_000002'))).toBe(true);
    // "Poll every 1-2 seconds. Don't poll faster than once per second", on the shared clock.
    for (const gap of gapsMs(run.requests.slice(5))) expect(gap).toBeGreaterThanOrEqual(1000);
  },
  'http-breeze-tts': (run) => {
    expect(JSON.parse(run.stdout)).toMatchObject({ generation_job_id: 'gen_000001', status: 'ready' });
    expect(run.stderr).toContain('wrote 2048 bytes to breeze.mp3');
    expect(statSync(join(tree.dir, 'breeze.mp3')).size).toBe(2048);
    expect(run.requests.map(summary)).toEqual([
      'breeze.tts 502 UPSTREAM_GENERATION_ERROR',
      'breeze.tts 502 UPSTREAM_GENERATION_ERROR',
      'breeze.tts 200',
      'breeze.tts 202', // the async job: submitted once
      'breeze.job 200', // active
      'breeze.job 200', // ready
    ]);
  },
  'http-elsa-score': (run) => {
    expect(JSON.parse(run.stdout)).toMatchObject({ success: true, utterance: [{ sentence: 'Hello world' }] });
    expect(run.stderr.match(/ASR system timed out; send it again/g)).toHaveLength(2);
    expect(run.requests.map(summary)).toEqual([
      'elsa.score-audio 500 ASRSocketTimeout',
      'elsa.score-audio 500 ASRSocketTimeout',
      'elsa.score-audio 200',
    ]);
  },
  'http-gradium-stt': (run) => {
    expect(run.stdout.trim()).toBe('hello from the vendor simulator');
    expect(run.requests.map(summary)).toEqual([
      'gradium.asr 200 stream-error',
      'gradium.asr 500 1011',
      'gradium.asr 200',
    ]);
    expect(run.requests[0]!.faults).toEqual(['stream-error']);
  },
  'http-zenhire-job': zenhireJobSurvives,
  'fetch-zenhire-job': zenhireJobSurvives,
};

describe('each example survives the recoverable faults its header promises', () => {
  test.each(EXAMPLE_NAMES)('%s', async (name) => {
    const run = await runExample(name, { faultPlan: setupOf(name).faultPlan });
    expectSuccess(run);
    survives[name](run);
  });
});

/** A fatal case: how the simulator refuses, and what the example must report. */
interface FatalCase {
  /** A fault plan, or (undefined) a simulator that expects another key than the example sends. */
  faultPlan?: FaultPlan;
  /** What the simulator saw: the failure, and nothing sent after it. */
  requests: string[];
  /** The error the example reports on stderr: a VendorError, or got's own error carrying the decision. */
  error: RegExp;
}

const ANOTHER_KEY = 'the-key-the-vendor-expects';

const fails: Record<ExampleName, FatalCase> = {
  'audixa-ws-stream': {
    requests: ['audixa.ws-stream close 1008'],
    error: /^gave up: VendorError: audixa 1008 \(ws\)/m,
  },
  'gradium-ws-tts': {
    faultPlan: {
      faults: [
        { kind: 'ws-error', afterMessages: 0, closeCode: 1008, message: 'API key is revoked or expired' },
      ],
    },
    requests: ['gradium.token 200', 'gradium.ws-tts close 1008'],
    error: /^gave up: VendorError: gradium 1008 \(ws\)/m,
  },
  'fetch-breeze-tts': {
    faultPlan: {
      faults: [
        { kind: 'error', code: 'UPSTREAM_GENERATION_SERVICE_ERROR', match: { endpoint: 'breeze.tts' } },
      ],
    },
    requests: ['breeze.tts 502 UPSTREAM_GENERATION_SERVICE_ERROR'],
    error: /^VendorError: breeze 502 UPSTREAM_GENERATION_SERVICE_ERROR/m,
  },
  'http-audixa-job': {
    requests: ['audixa.create 401'],
    error: /^VendorError: audixa 401 \(http submit\)/m,
  },
  'http-breeze-tts': {
    faultPlan: {
      faults: [
        { kind: 'error', code: 'UPSTREAM_GENERATION_SERVICE_ERROR', match: { endpoint: 'breeze.tts' } },
      ],
    },
    requests: ['breeze.tts 502 UPSTREAM_GENERATION_SERVICE_ERROR'],
    error:
      /^HTTPError: Request failed with status code 502 \(Bad Gateway\)[^\n]*\n[\s\S]*vendorCode: 'UPSTREAM_GENERATION_SERVICE_ERROR'/m,
  },
  'http-elsa-score': {
    requests: ['elsa.score-audio 401 InvalidSessionToken'],
    error:
      /^HTTPError: Request failed with status code 401 \(Unauthorized\)[^\n]*\n[\s\S]*vendorCode: 'InvalidSessionToken'/m,
  },
  'http-gradium-stt': {
    // After two words were delivered, an error line ends the transcript: not sent again.
    faultPlan: { faults: [{ kind: 'stream-error', afterLines: 2, message: 'worker lost' }] },
    requests: ['gradium.asr 200 stream-error'],
    error: /^VendorError: gradium 200 \(http stream\).*\(2 messages before it\)$/m,
  },
  'http-zenhire-job': {
    requests: ['zenhire.submit 401 INVALID_API_KEY'],
    error: /^VendorError: zenhire 401 INVALID_API_KEY/m,
  },
  'fetch-zenhire-job': {
    requests: ['zenhire.submit 401 INVALID_API_KEY'],
    error: /^VendorError: zenhire 401 INVALID_API_KEY/m,
  },
};

describe('each example stops at a fatal fault with a typed error that does not show the key', () => {
  test.each(EXAMPLE_NAMES)('%s', async (name) => {
    const { faultPlan, requests, error } = fails[name];
    const run = await runExample(
      name,
      faultPlan ? { faultPlan } : { faultPlan: { faults: [] }, simulatorKey: ANOTHER_KEY },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(error);
    expectNoKey(run);
    expect(run.requests.map(summary)).toEqual(requests);
  });
});

test('the runner refuses the time scale for an example aimed at a host that is not this machine', async () => {
  // A `.invalid` host never resolves, so nothing can reach a real vendor even if the guard broke.
  // The guard throws before the example starts (scripts/run-example.mjs calls the same function).
  const run = runExample('http-zenhire-job', {
    faultPlan: { faults: [] },
    env: { ZENHIRE_BASE_URL: 'https://zenhire.invalid' },
  });
  await expect(run).rejects.toThrow(
    'EXAMPLE_TIME_SCALE is for the local simulator only; zenhire.invalid is a real vendor, which runs on real time',
  );
});

test('the preload runs the whole process on the scaled clock: Date, performance, timers, AbortSignal', async () => {
  const probe = [
    "import { setTimeout as wait } from 'node:timers/promises';",
    "import { setTimeout as timer } from 'node:timers';",
    "import { promisify } from 'node:util';",
    'const started = Date.now(), perfStarted = performance.now(), realStarted = process.hrtime.bigint();',
    'await new Promise((done) => setTimeout(done, 2000));',
    'await new Promise((done) => timer(done, 2000));',
    'await wait(2000);',
    'await promisify(setTimeout)(2000);',
    'let ticks = 0;',
    'await new Promise((done) => { const t = setInterval(() => { if (++ticks === 3) { clearInterval(t); done(); } }, 1000); });',
    'const refreshed = setTimeout(() => {}, 60_000); refreshed.unref(); refreshed.refresh(); clearTimeout(refreshed);',
    // An AbortSignal.timeout timer is unref'd: a 2 s one has fired by a later 2.5 s wait's end.
    'const signal = AbortSignal.timeout(2000); await wait(2500);',
    'console.log(JSON.stringify({ simulatedMs: Date.now() - started, dateMs: new Date().getTime() - started,',
    '  perfMs: performance.now() - perfStarted, realMs: Number(process.hrtime.bigint() - realStarted) / 1e6,',
    '  isDate: new Date() instanceof Date, parsed: Date.parse("2020-01-01T00:00:00Z"),',
    '  wholeMs: Number.isInteger(Date.now()), aborted: signal.aborted }));',
  ].join('\n');
  const originMs = Date.now();
  const output = await new Promise<string>((done, fail) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(tree.pathOf(SCALED_TIME_PRELOAD)).href, '--input-type=module', '-e', probe],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          [TIME_SCALE_VARIABLE]: '100',
          [TIME_ORIGIN_VARIABLE]: `${originMs}`,
        },
        timeout: CHILD_TIMEOUT_MS,
      },
      (error, stdout, stderr) => (error ? fail(new Error(stderr || error.message)) : done(stdout)),
    );
  });
  const result = JSON.parse(output) as Record<string, number | boolean>;
  // 13.5 simulated seconds of waits: 135 ms of real time at ×100, far from 13.5 s.
  expect(result['simulatedMs']).toBeGreaterThanOrEqual(13_500);
  expect(result['dateMs']).toBeGreaterThanOrEqual(13_500);
  expect(result['perfMs']).toBeGreaterThanOrEqual(13_500);
  expect(result['realMs']).toBeLessThan(5_000);
  expect(result).toMatchObject({ isDate: true, parsed: Date.UTC(2020, 0, 1), wholeMs: true, aborted: true });
});
