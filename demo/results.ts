import type { VendorName } from '../lib/testing/index.js';
import type { CallLogFacts, WrongOutcome } from './judge.js';
import type { ClientCounters, SideName } from './scenario.js';

/** One call as it ran on one side. */
export interface CallResult extends ClientCounters, CallLogFacts {
  /** The scenario it belongs to. */
  scenario: string;
  /** The tag its requests carried. */
  callTag: string;
  succeeded: boolean;
  /** What came back, on success. */
  summary?: string;
  /** Why it failed, on failure. */
  failureReason?: string;
  /** Simulated milliseconds from start to end. */
  simulatedMs: number;
  wrong: WrongOutcome[];
}

/** One vendor's workload on one side, summed up. */
export interface SideSummary extends ClientCounters, CallLogFacts {
  calls: number;
  succeeded: number;
  failed: number;
  /** Failure reasons and how often each occurred. */
  failures: Record<string, number>;
  /** Calls with at least one wrong outcome. */
  wrongOutcomes: number;
  /** Real milliseconds the whole workload took. */
  wallMs: number;
  /** The same on the simulated clock. */
  simulatedMs: number;
}

/** One vendor's workload on one side: the summary and every call. */
export interface SideResult {
  summary: SideSummary;
  calls: CallResult[];
}

/** A scenario as the output describes it. */
export interface ScenarioInfo {
  id: string;
  title: string;
  copies: number;
  /** What a correct client ends with. */
  expected: 'success' | 'failure';
}

/** One vendor: its scenarios and both sides. */
export interface VendorResult {
  vendor: VendorName;
  scenarios: ScenarioInfo[];
  sides: Record<SideName, SideResult>;
}

/** Everything the demo measured; `--json` prints exactly this. */
export interface DemoResults {
  /** Simulated milliseconds per real millisecond. */
  timeScale: number;
  /** Whether the reduced workload ran. */
  quick: boolean;
  baseline: { description: string; retryLimit: number };
  vendors: VendorResult[];
  totals: Record<SideName, { calls: number; failed: number; requests: number; wrongOutcomes: number }>;
  /** Real milliseconds for the whole demo. */
  wallMs: number;
}

/** Adds up the calls of one vendor's workload on one side. */
export function summarize(calls: readonly CallResult[], wallMs: number, simulatedMs: number): SideSummary {
  const failures: Record<string, number> = {};
  for (const call of calls) {
    if (call.failureReason !== undefined)
      failures[call.failureReason] = (failures[call.failureReason] ?? 0) + 1;
  }
  const sum = (pick: (call: CallResult) => number): number => calls.reduce((n, call) => n + pick(call), 0);
  return {
    calls: calls.length,
    succeeded: calls.filter((c) => c.succeeded).length,
    failed: calls.filter((c) => !c.succeeded).length,
    retries: sum((c) => c.retries),
    backoffs: sum((c) => c.backoffs),
    requests: sum((c) => c.requests),
    polls: sum((c) => c.polls),
    reconnects: sum((c) => c.reconnects),
    resubmits: sum((c) => c.resubmits),
    billedSubmits: sum((c) => c.billedSubmits),
    failures,
    wrongOutcomes: calls.filter((c) => c.wrong.length > 0).length,
    wallMs,
    simulatedMs,
  };
}
