import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchEngineCost } from './engine-cost.js';
import { benchDecisionMemory } from './memory.js';
import { benchOutage } from './outage.js';
import { benchOverhead } from './overhead.js';
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

console.error(`vendor-resilience benchmarks on ${machine}; median of ${RUNS} runs each`);
say(await benchOverhead(RUNS, 20_000));
for (const row of benchEngineCost(RUNS, 200_000)) say(row);
for (const row of await benchStorm(RUNS)) say(row);
for (const row of await benchWarmUp()) say(row);
for (const row of await benchOutage()) say(row);
for (const row of await benchWsReconnect()) say(row);
say(benchDecisionMemory(100_000));

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, median of ${RUNS} runs.`,
  '',
  '| scenario | metric | measured | target | | how |',
  '|---|---|---|---|---|---|',
  ...rows.map(format),
].join('\n');
console.log(table);
writeFileSync(
  new URL('../../bench/results.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, seconds: (Date.now() - started) / 1000, rows }, null, 2)}\n`,
);
