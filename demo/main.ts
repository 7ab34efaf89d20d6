#!/usr/bin/env node
/**
 * `npm start`: the demo. Runs the same workload through vendor-resilience and through got's
 * status-only retry against local vendor simulators, and prints one table per vendor.
 * Exit status 0 when vendor-resilience had no wrong outcome, 1 otherwise (a smoke test).
 */
import { runDemo } from './run-demo.js';

const USAGE = `usage: node dist/demo/main.js [--json] [--quick]
  --json    write the results as JSON to stdout (no progress lines)
  --quick   run the reduced workload
exit status: 0 when vendor-resilience had zero wrong outcomes, 1 otherwise`;

const args = process.argv.slice(2);
const unknown = args.filter((a) => !['--json', '--quick', '--help', '-h'].includes(a));
if (args.includes('--help') || args.includes('-h') || unknown.length > 0) {
  if (unknown.length > 0) console.error(`unknown argument: ${unknown.join(' ')}`);
  console.error(USAGE);
  process.exitCode = unknown.length > 0 ? 2 : 0;
} else {
  try {
    const results = await runDemo({ json: args.includes('--json'), quick: args.includes('--quick') });
    process.exitCode = results.totals['vendor-resilience'].wrongOutcomes === 0 ? 0 : 1;
  } catch (error) {
    console.error('demo failed:', error);
    process.exitCode = 1;
  }
}
