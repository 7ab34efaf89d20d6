/**
 * Runs every program in examples/ as a plain `node` child process against the simulator of its
 * vendor, so the examples cannot rot: once with the recoverable faults its header comment promises
 * (examples/support/simulator-setups.ts), and once with a fatal fault. What the example printed is
 * checked against what the simulator saw. The API key is a canary that must never be printed.
 *
 * Time runs 100× faster for the example and the simulator alike (examples/support/simulated-time.ts):
 * every wait is still waited in full on the shared clock (the poll gaps are checked on it), so the
 * vendors' schedules stay honest while ZenHire's 15 s polls take 150 ms.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  scaledClock,
  TIME_ORIGIN_VARIABLE,
  TIME_SCALE_VARIABLE,
} from '../../../examples/support/simulated-time.js';
import {
  EXAMPLE_SETUPS,
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
  tree = compileForChild(EXAMPLE_NAMES.map((name) => `examples/${name}.ts`));
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
    clock: scaledClock(TIME_SCALE, originMs),
    faultPlan,
  });
  try {
    // Only what the example needs, and not jest's VM-modules flag: the example runs as plain `node`.
    // Other NODE_OPTIONS stay: the compat run (scripts/compat.sh) hands children got 16 through one.
    const nodeOptions = (process.env['NODE_OPTIONS'] ?? '').replace('--experimental-vm-modules', '').trim();
    const env = {
      PATH: process.env['PATH'] ?? '',
      ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
      ...setup.env(simulator, CANARY_KEY),
      [TIME_SCALE_VARIABLE]: String(TIME_SCALE),
      [TIME_ORIGIN_VARIABLE]: String(originMs),
      ...extraEnv,
    };
    const entry = tree.pathOf(`examples/${name}.ts`);
    const { exitCode, stdout, stderr } = await new Promise<Omit<ExampleRun, 'requests'>>((done) => {
      execFile(
        process.execPath,
        [entry, ...setup.args],
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

test('the examples import the library by its package name (the build in dist/), as an application does', () => {
  for (const name of EXAMPLE_NAMES) {
    const source = readFileSync(resolve(import.meta.dirname, `../../../examples/${name}.ts`), 'utf8');
    expect(source).toMatch(/from 'vendor-resilience(?:\/[a-z]+)?';/);
    expect(source).not.toMatch(/from '\.\.\/lib\//);
  }
  // So no adapter source was transpiled for them: they ran on dist/.
  expect(existsSync(tree.pathOf('lib/adapters/got/index.ts'))).toBe(false);
  expect(existsSync(tree.pathOf('lib/adapters/ws/index.ts'))).toBe(false);
});

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
  'http-zenhire-job': (run) => {
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
  },
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

test('an example refuses the time scale for a host that is not this machine', async () => {
  // A `.invalid` host never resolves, so nothing can reach a real vendor even if the guard broke.
  const run = await runExample('http-zenhire-job', {
    faultPlan: { faults: [] },
    env: { ZENHIRE_BASE_URL: 'https://zenhire.invalid' },
  });
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(
    'EXAMPLE_TIME_SCALE is for the local simulator only; zenhire.invalid is a real vendor, which runs on real time',
  );
  expectNoKey(run);
  expect(run.requests).toEqual([]);
});
