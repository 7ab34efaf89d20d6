import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { runDemo } from '../../../demo/run-demo.js';
import type { DemoResults } from '../../../demo/results.js';
import { VENDOR_NAMES } from '../../../lib/testing/index.js';

const run = promisify(execFile);

/** An output stream that keeps what was written. */
function captured(isTTY: boolean): { write(text: string): boolean; isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(''),
  };
}

function expectEveryVendorOnBothSides(results: DemoResults): void {
  expect(results.vendors.map((v) => v.vendor).sort()).toEqual([...VENDOR_NAMES].sort());
  for (const vendor of results.vendors) {
    const resilient = vendor.sides['vendor-resilience'];
    const baseline = vendor.sides.baseline;
    expect(resilient.calls.length).toBeGreaterThan(0);
    expect(baseline.calls.length).toBe(resilient.calls.length);
    // Counted from the simulators' logs: every call reached its vendor.
    for (const call of [...resilient.calls, ...baseline.calls]) expect(call.requests).toBeGreaterThan(0);
  }
}

describe('the demo', () => {
  it('runs the reduced workload in-process: vendor-resilience has no wrong outcome, the baseline has some', async () => {
    const output = captured(true);
    const startedMs = performance.now();
    const results = await runDemo({ quick: true, output });
    const elapsedMs = performance.now() - startedMs;

    expect(elapsedMs).toBeLessThan(20_000);
    expectEveryVendorOnBothSides(results);
    expect(results.totals['vendor-resilience'].wrongOutcomes).toBe(0);
    expect(results.totals.baseline.wrongOutcomes).toBeGreaterThan(0);
    for (const vendor of results.vendors) {
      expect(vendor.sides['vendor-resilience'].calls.flatMap((c) => c.wrong)).toEqual([]);
    }
    // The known differences of the reduced workload, each judged from what the simulator saw.
    const wrongKinds = results.vendors.flatMap((v) =>
      v.sides.baseline.calls.flatMap((c) => c.wrong.map((w) => `${v.vendor}/${c.scenario}:${w.kind}`)),
    );
    expect(wrongKinds).toEqual(
      expect.arrayContaining([
        'breeze/service-error:retried-fatal',
        'gradium/rest-1008:retried-fatal',
        'breeze/not-ready:gave-up-retryable',
        'zenhire/warm-up:gave-up-retryable',
        'audixa/job-failed:gave-up-retryable',
      ]),
    );

    const text = output.text();
    expect(text).toContain('\x1b[2K'); // live lines redrawn in place on a terminal
    for (const vendor of VENDOR_NAMES) expect(text).toMatch(new RegExp(`^${vendor}: \\d+ calls`, 'm'));
    expect(text).toMatch(/WRONG OUTCOMES\s+0\s+[1-9]/);
    expect(text).toContain('simulated time ×100');
  });

  it('writes one plain line per call when the output is not a terminal', async () => {
    const output = captured(false);
    const results = await runDemo({ quick: true, vendors: ['breeze'], output });
    const lines = output
      .text()
      .split('\n')
      .filter((line) => line.startsWith('[breeze] '));
    expect(lines).toHaveLength(2 * results.totals['vendor-resilience'].calls);
    expect(output.text()).not.toContain('\x1b[');
  });

  it('`node dist/demo/main.js --json` prints the results as JSON and exits 0', async () => {
    const main = new URL('../../../dist/demo/main.js', import.meta.url);
    // `npm test` builds before jest; a bare jest run needs `npm run build` first.
    expect(existsSync(main)).toBe(true);
    const { stdout } = await run(process.execPath, [main.pathname, '--json'], { timeout: 60_000 });
    const results = JSON.parse(stdout) as DemoResults;
    expectEveryVendorOnBothSides(results);
    expect(results.quick).toBe(false);
    expect(results.totals['vendor-resilience'].wrongOutcomes).toBe(0);
    expect(results.totals.baseline.wrongOutcomes).toBeGreaterThan(0);
  }, 60_000);
});
