#!/usr/bin/env node
// Runs one program from examples/ against a freshly started simulator of its vendor, with the
// faults its header comment promises it survives (examples/support/simulator-setups.ts), then
// prints what the simulator saw. Usage:
//
//   node scripts/run-example.mjs <name> [--no-faults] [example arguments…]
//   node scripts/run-example.mjs <name> --no-simulator [example arguments…]   (the real vendor)
//
// Against the simulator, time runs EXAMPLE_TIME_SCALE (default 100) times faster for both the
// example and the simulator, so ZenHire's 15 s polls take 150 ms without being shortened on the
// shared clock; EXAMPLE_TIME_SCALE=1 runs on real time. The example programs know nothing of it:
// the runner starts the example with `node --import examples/support/scaled-time-preload.ts`,
// which makes the whole process's clock and timers run that much faster, and refuses to do so for
// an example aimed at anything but this machine. The example's working directory is a scratch
// directory holding its sample inputs (audio.wav, interview.mp3) and outputs.
// --no-simulator runs the example in the current directory with the current environment (its
// API key variables), on real time (no preload; EXAMPLE_TIME_SCALE is refused), against the vendor.
//
// An example imports the library by its package name (`vendor-resilience/got`, …), as an
// application would: that resolves through the package's exports map to the build in dist/, which
// `npm run example` makes first.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SIMULATOR_KEY = 'sim-example-key';
const DEFAULT_TIME_SCALE = '100';

const [name, ...rest] = process.argv.slice(2);
const names = readdirSync(join(ROOT, 'examples'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => basename(file, '.ts'));
if (name === undefined || !names.includes(name)) {
  console.error(
    `usage: node scripts/run-example.mjs <${names.join('|')}> [--no-faults | --no-simulator] [args…]`,
  );
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist/lib/index.js'))) {
  console.error('the examples load the build in dist/: run `npm run build` first (`npm run example` does)');
  process.exit(2);
}
const noSimulator = rest.includes('--no-simulator');
const noFaults = rest.includes('--no-faults');
const exampleArgs = rest.filter((arg) => arg !== '--no-simulator' && arg !== '--no-faults');

// The transpiler the test suite uses is TypeScript itself: strip its types once to load it here.
const bootDir = mkdtempSync(join(tmpdir(), 'vr-run-example-'));
symlinkSync(join(ROOT, 'node_modules'), join(bootDir, 'node_modules'), 'dir');
const helper = readFileSync(join(ROOT, 'test/support/compile-for-child.ts'), 'utf8');
const transpiled = ts.transpileModule(helper, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
});
writeFileSync(join(bootDir, 'compile-for-child.mjs'), transpiled.outputText);
const { compileForChild } = await import(pathToFileURL(join(bootDir, 'compile-for-child.mjs')).href);
const exampleEntry = `examples/${name}.ts`;
const SETUPS = 'examples/support/simulator-setups.ts';
const PRELOAD = 'examples/support/scaled-time-preload.ts';
const TIME = 'demo/time-scale.ts';
const TESTING = 'lib/testing/index.ts';
const scaleText = process.env.EXAMPLE_TIME_SCALE ?? '';
if (noSimulator && scaleText !== '' && scaleText !== '1') {
  console.error('EXAMPLE_TIME_SCALE is for the local simulator only; a real vendor runs on real time');
  process.exit(2);
}
const tree = compileForChild(
  noSimulator ? [exampleEntry] : [exampleEntry, SETUPS, PRELOAD, TIME, TESTING],
  ROOT,
);
const load = (source) => import(pathToFileURL(tree.pathOf(source)).href);

/** Runs the transpiled example (after `nodeFlags`); resolves with its exit code. */
function runExample(env, cwd, args, nodeFlags = []) {
  const child = spawn(process.execPath, [...nodeFlags, tree.entry, ...args], { cwd, env, stdio: 'inherit' });
  return new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

/** Starts the simulator, runs the example against it, prints what the simulator saw. */
async function againstSimulator() {
  const { EXAMPLE_SETUPS, refuseScaleForRemoteUrls, TIME_SCALE_VARIABLE, TIME_ORIGIN_VARIABLE } =
    await load(SETUPS);
  const { createScaledTime } = await load(TIME);
  const { startVendorSimulator } = await load(TESTING);
  const setup = EXAMPLE_SETUPS[name];
  const scale = scaleText === '' ? DEFAULT_TIME_SCALE : scaleText;
  // Both clocks read originMs + (now - originMs) × scale, so they agree on absolute times too.
  const originMs = Date.now();
  const simulator = await startVendorSimulator({
    vendor: setup.vendor,
    apiKey: SIMULATOR_KEY,
    clock: createScaledTime(Number(scale), originMs).clock,
    faultPlan: noFaults ? { faults: [] } : setup.faultPlan,
  });
  try {
    for (const [file, bytes] of Object.entries(setup.inputs)) writeFileSync(join(tree.dir, file), bytes);
    console.error(`${name}: ${setup.vendor} simulator at ${simulator.url}, time ×${scale}`);
    console.error(`faults: ${noFaults ? 'none' : setup.faults}\n`);
    const env = {
      ...process.env,
      ...setup.env(simulator, SIMULATOR_KEY),
      [TIME_SCALE_VARIABLE]: scale,
      [TIME_ORIGIN_VARIABLE]: String(originMs),
    };
    const variables = Object.keys(setup.env(simulator, SIMULATOR_KEY));
    refuseScaleForRemoteUrls(Object.fromEntries(variables.map((key) => [key, env[key]])));
    const preload = ['--import', pathToFileURL(tree.pathOf(PRELOAD)).href];
    const args = exampleArgs.length > 0 ? exampleArgs : setup.args;
    const code = await runExample(env, tree.dir, args, scale === '1' ? [] : preload);
    console.error('\nwhat the simulator saw:');
    for (const r of simulator.requests()) {
      const answer =
        r.transport === 'ws' ? `close ${r.wsCloseCode ?? '-'}` : `${r.status ?? '-'} ${r.code ?? ''}`;
      const faults = r.faults.length > 0 ? `  (fault: ${r.faults.join(', ')})` : '';
      console.error(`  ${r.sequence}. ${r.transport} ${r.method} ${r.path} → ${answer.trim()}${faults}`);
    }
    return code;
  } finally {
    await simulator.close();
  }
}

let exitCode;
try {
  exitCode = noSimulator
    ? await runExample(process.env, process.cwd(), exampleArgs)
    : await againstSimulator();
} finally {
  tree.remove();
  rmSync(bootDir, { recursive: true, force: true });
}
process.exit(exitCode);
