import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchClusterStorm } from './cluster-storm.js';
import { benchCredentialMemory } from './credential-memory.js';
import { benchEngineCost } from './engine-cost.js';
import { benchFetchOverhead } from './fetch-overhead.js';
import { benchDecisionMemory } from './memory.js';
import { benchOutage } from './outage.js';
import { benchOverhead, benchRoundTripOverhead } from './overhead.js';
import { benchStorm } from './storm.js';
import { benchWarmUp } from './warmup.js';
import { benchWsReconnect } from './ws-reconnect.js';
import type { BenchRow } from './stats.js';

const RUNS = 3;

function format(row: BenchRow): string {
  const value = row.unit === 'MB' ? row.value.toFixed(2) : row.value.toFixed(row.value < 10 ? 3 : 1);
  return `| ${row.scenario} | ${row.metric} | ${value} ${row.unit} | ${row.target} | ${row.met ? 'met' : 'MISSED'} | ${row.detail} |`;
}

const started = Date.now();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const rows: BenchRow[] = [];
const say = (row: BenchRow): void => {
  rows.push(row);
  console.error(`  ${row.scenario}: ${row.value.toFixed(3)} ${row.unit} (target ${row.target})`);
};

/** `npm run bench -- --only storm,engine` runs some scenarios (and leaves results.json alone). */
const SCENARIOS = [
  'overhead',
  'fetch',
  'roundtrip',
  'engine',
  'storm',
  'cluster',
  'warmup',
  'outage',
  'ws',
  'memory',
] as const;
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? '').split(',') : [...SCENARIOS];
const unknown = only.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`bench: unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  process.exit(2);
}
const wanted = (name: (typeof SCENARIOS)[number]): boolean => only.includes(name);

console.error(`vendor-resilience benchmarks on ${machine}; median of ${RUNS} runs each`);
if (wanted('overhead')) for (const row of await benchOverhead(60, 1_000)) say(row);
if (wanted('fetch')) for (const row of await benchFetchOverhead(60, 1_000)) say(row);
if (wanted('roundtrip')) for (const row of await benchRoundTripOverhead(10, 1_000, 50)) say(row);
if (wanted('engine')) for (const row of benchEngineCost(RUNS, 200_000)) say(row);
if (wanted('storm')) for (const row of await benchStorm(RUNS)) say(row);
if (wanted('cluster')) for (const row of await benchClusterStorm(RUNS)) say(row);
if (wanted('warmup')) for (const row of await benchWarmUp()) say(row);
if (wanted('outage')) for (const row of await benchOutage()) say(row);
if (wanted('ws')) for (const row of await benchWsReconnect()) say(row);
if (wanted('memory')) say(benchDecisionMemory(100_000));
if (wanted('memory')) say(await benchCredentialMemory(100_000));

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, median of ${RUNS} runs.`,
  '',
  '| scenario | metric | measured | target | | how |',
  '|---|---|---|---|---|---|',
  ...rows.map(format),
].join('\n');
console.log(table);
if (onlyArg < 0) {
  writeFileSync(
    new URL('../../bench/results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, seconds: (Date.now() - started) / 1000, rows }, null, 2)}\n`,
  );
}
