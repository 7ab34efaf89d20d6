import { VENDOR_NAMES, type VendorName } from '../lib/testing/index.js';
import { BASELINE_RETRY_LIMIT } from './clients/baseline-settings.js';
import { expectationOf } from './fault-meaning.js';
import { createProgress, type DemoOutput } from './progress.js';
import type { DemoResults, SideResult, VendorResult } from './results.js';
import { SIDE_NAMES, type SideName, type VendorWorkload } from './scenario.js';
import { resultsReport } from './table.js';
import { createScaledTime } from './time-scale.js';
import { runVendorSide } from './vendor-run.js';
import { WORKLOADS } from './workloads/index.js';

/** Simulated milliseconds per real millisecond, unless told otherwise. */
export const DEFAULT_TIME_SCALE = 100;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where progress and tables (or the JSON) go; `process.stdout` by default. */
  output?: DemoOutput;
  /** Write the results as one JSON document instead of progress and tables. */
  json?: boolean;
  /** Run the reduced workload (the scenarios marked `quick`). */
  quick?: boolean;
  /** Simulated milliseconds per real millisecond (default {@link DEFAULT_TIME_SCALE}). */
  timeScale?: number;
  /** Only these vendors (default: all five). */
  vendors?: readonly VendorName[];
}

const BASELINE_DESCRIPTION = `got's built-in retry (limit ${BASELINE_RETRY_LIMIT}, POST included, got's default status and error codes, Retry-After honoured; WebSockets: reconnect on any close up to ${BASELINE_RETRY_LIMIT}×)`;

function scenariosOf(workload: VendorWorkload, quick: boolean) {
  return workload.scenarios.filter((scenario) => !quick || scenario.quick);
}

/**
 * Starts two fresh simulators per vendor (one per side), runs the same workload through
 * vendor-resilience and through the status-only baseline at the same time, and reports what
 * each side did and how many calls ended wrongly.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResults> {
  const output = options.output ?? process.stdout;
  const quick = options.quick ?? false;
  const time = createScaledTime(options.timeScale ?? DEFAULT_TIME_SCALE);
  const wanted = new Set(options.vendors ?? VENDOR_NAMES);
  const workloads = WORKLOADS.filter((w) => wanted.has(w.vendor));
  const callCounts = new Map(
    workloads.map((w) => [w.vendor, scenariosOf(w, quick).reduce((n, s) => n + (s.copies ?? 1), 0)] as const),
  );
  const startedRealMs = performance.now();
  const startedSimMs = time.clock.now();
  if (!options.json) {
    output.write(
      `Running ${[...callCounts.values()].reduce((a, b) => a + b, 0)} calls per side against ` +
        `${workloads.length * 2} local vendor simulators (simulated time ×${time.scale})…\n\n`,
    );
  }
  const progress = options.json
    ? undefined
    : createProgress(output, callCounts, () => time.clock.now() - startedSimMs);
  let vendors: VendorResult[];
  try {
    vendors = await Promise.all(
      workloads.map(async (workload): Promise<VendorResult> => {
        const scenarios = scenariosOf(workload, quick);
        const runSide = (side: SideName): Promise<SideResult> =>
          runVendorSide({
            workload,
            side,
            time,
            scenarios,
            onCall: (call) => progress?.callFinished(workload.vendor, side, call),
          });
        const [resilient, baseline] = (await Promise.all(SIDE_NAMES.map(runSide))) as [
          SideResult,
          SideResult,
        ];
        return {
          vendor: workload.vendor,
          scenarios: scenarios.map((s) => ({
            id: s.id,
            title: s.title,
            copies: s.copies ?? 1,
            expected: expectationOf(workload.vendor, s.faults).outcome,
          })),
          sides: { 'vendor-resilience': resilient, baseline },
        };
      }),
    );
  } finally {
    progress?.stop();
  }
  const total = (side: SideName) => {
    const summaries = vendors.map((v) => v.sides[side].summary);
    const sum = (pick: (s: (typeof summaries)[number]) => number) =>
      summaries.reduce((n, s) => n + pick(s), 0);
    return {
      calls: sum((s) => s.calls),
      failed: sum((s) => s.failed),
      requests: sum((s) => s.requests),
      wrongOutcomes: sum((s) => s.wrongOutcomes),
    };
  };
  const results: DemoResults = {
    timeScale: time.scale,
    quick,
    baseline: { description: BASELINE_DESCRIPTION, retryLimit: BASELINE_RETRY_LIMIT },
    vendors,
    totals: { 'vendor-resilience': total('vendor-resilience'), baseline: total('baseline') },
    wallMs: performance.now() - startedRealMs,
  };
  output.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : resultsReport(results));
  return results;
}
