import { startVendorSimulator, type VendorSimulator } from '../lib/testing/index.js';
import { createBaselineClient } from './clients/baseline-client.js';
import { createResilientClient } from './clients/resilient-client.js';
import { describeFailure } from './describe-failure.js';
import { factsOf, judgeCall } from './judge.js';
import { summarize, type CallResult, type SideResult } from './results.js';
import {
  CALL_TAG_HEADER,
  type ClientCounters,
  type Scenario,
  type SideName,
  type VendorWorkload,
} from './scenario.js';
import type { ScaledTime } from './time-scale.js';

/** Seed of every fault plan: both sides draw the same faults. */
export const FAULT_PLAN_SEED = 42;

/** How one vendor's workload runs on one side. */
export interface VendorRunOptions {
  workload: VendorWorkload;
  side: SideName;
  time: ScaledTime;
  /** The scenarios to run (already filtered for the reduced workload). */
  scenarios: readonly Scenario[];
  /** Called after each finished call. */
  onCall?: (call: CallResult) => void;
}

/**
 * Runs a vendor's scenarios one after the other on one side, against a fresh simulator of its
 * own; each scenario swaps in its fault plan, so both sides meet the same faults in the same order.
 * Every call is then judged from the simulator's log of what it sent.
 */
export async function runVendorSide(options: VendorRunOptions): Promise<SideResult> {
  const { workload, time } = options;
  const sim = await startVendorSimulator({
    vendor: workload.vendor,
    apiKey: workload.apiKey,
    clock: time.clock,
  });
  const startedRealMs = performance.now();
  const calls: CallResult[] = [];
  try {
    for (const scenario of options.scenarios) {
      sim.setFaultPlan({ seed: FAULT_PLAN_SEED, faults: scenario.faults });
      const copies = Array.from({ length: scenario.copies ?? 1 }, (_, index) =>
        runCall(sim, options, scenario, index + 1),
      );
      for (const call of await Promise.all(copies)) {
        calls.push(call);
        options.onCall?.(call);
      }
    }
  } finally {
    await sim.close();
  }
  const wallMs = performance.now() - startedRealMs;
  return { summary: summarize(calls, wallMs, time.toSimulatedMs(wallMs)), calls };
}

async function runCall(
  sim: VendorSimulator,
  options: VendorRunOptions,
  scenario: Scenario,
  copy: number,
): Promise<CallResult> {
  const { workload, side, time } = options;
  const callTag = `${side}/${workload.vendor}/${scenario.id}/${copy}`;
  const counters: ClientCounters = { retries: 0, backoffs: 0 };
  const client =
    side === 'vendor-resilience'
      ? createResilientClient(workload.vendor, time, counters)
      : createBaselineClient(time, counters);
  const startedMs = time.clock.now();
  let summary: string | undefined;
  let failure: unknown;
  let succeeded = false;
  try {
    summary = await scenario.run({
      callTag,
      baseUrl: sim.url,
      wsUrl: sim.wsUrl,
      headers: { ...workload.credentialHeaders, [CALL_TAG_HEADER]: callTag },
      client,
    });
    succeeded = true;
  } catch (error) {
    failure = error;
  }
  const simulatedMs = time.clock.now() - startedMs;
  const entries = sim.requests().filter((entry) => entry.headers[CALL_TAG_HEADER] === callTag);
  const failureReason = succeeded ? undefined : describeFailure(failure, entries);
  return {
    scenario: scenario.id,
    callTag,
    succeeded,
    ...(summary === undefined ? {} : { summary }),
    ...(failureReason === undefined ? {} : { failureReason }),
    simulatedMs,
    ...counters,
    ...factsOf(entries, scenario.faults),
    wrong: judgeCall({ vendor: workload.vendor, faults: scenario.faults, succeeded, failureReason, entries }),
  };
}
