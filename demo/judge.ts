import {
  SIMULATOR_ENDPOINTS,
  type Fault,
  type RecordedRequest,
  type VendorName,
} from '../lib/testing/index.js';
import { expectationOf, isBilledEndpoint, meaningOf } from './fault-meaning.js';

/** The ways a call can end wrongly. */
export type WrongKind =
  'retried-fatal' | 'gave-up-retryable' | 'duplicate-billed-submit' | 'unexpected-success';

/** One wrong outcome of one call, with what went wrong. */
export interface WrongOutcome {
  kind: WrongKind;
  detail: string;
}

/** What the simulator's log says one call sent. */
export interface CallLogFacts {
  /** HTTP requests plus WebSocket connections. */
  requests: number;
  /** Requests to poll endpoints. */
  polls: number;
  /** WebSocket connections after the first. */
  reconnects: number;
  /** Fresh submits after a job the vendor reported failed. */
  resubmits: number;
  /** Submits the vendor processed (and would bill). */
  billedSubmits: number;
}

const is2xx = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

function phaseOf(entry: RecordedRequest): string | undefined {
  return entry.endpoint === undefined ? undefined : SIMULATOR_ENDPOINTS[entry.endpoint].phase;
}

function isBilled(entry: RecordedRequest, faults: readonly Fault[]): boolean {
  if (!isBilledEndpoint(entry.endpoint) || !is2xx(entry.status)) return false;
  if (entry.outcome === 'dropped-mid-response') return true;
  if (entry.outcome !== 'responded' || entry.faults.includes('job-failure')) return false;
  // An error line before any output: the vendor produced nothing to bill.
  const emptyStream = faults.some((f) => f.kind === 'stream-error' && f.afterLines === 0);
  return !(emptyStream && entry.faults.includes('stream-error'));
}

/** Counts what one call's requests did, from the simulator's log. */
export function factsOf(entries: readonly RecordedRequest[], faults: readonly Fault[]): CallLogFacts {
  let resubmits = 0;
  let failedJobPending = false;
  for (const entry of entries) {
    if (!isBilledEndpoint(entry.endpoint)) continue;
    if (failedJobPending) resubmits++;
    failedJobPending = entry.faults.includes('job-failure');
  }
  const sessions = entries.filter((e) => e.transport === 'ws').length;
  return {
    requests: entries.length,
    polls: entries.filter((e) => phaseOf(e) === 'poll').length,
    reconnects: Math.max(0, sessions - 1),
    resubmits,
    billedSubmits: entries.filter((e) => isBilled(e, faults)).length,
  };
}

/** What a call did, as the judge needs it. */
export interface JudgedCall {
  vendor: VendorName;
  faults: readonly Fault[];
  succeeded: boolean;
  failureReason: string | undefined;
  entries: readonly RecordedRequest[];
}

/**
 * Compares a call's outcome and traffic with what the fault plan makes right: a final answer
 * must not be followed by another request, a passing fault must not end the call, a processed
 * submit must not be sent again.
 */
export function judgeCall(call: JudgedCall): WrongOutcome[] {
  const wrong: WrongOutcome[] = [];
  const fatal = call.faults
    .map((fault) => ({ fault, meaning: meaningOf(call.vendor, fault) }))
    .filter((f) => f.meaning.kind === 'fatal');
  const fatalAt = call.entries.findIndex((entry) =>
    fatal.some(
      ({ fault }) =>
        entry.faults.includes(fault.kind) && (fault.kind !== 'error' || entry.code === fault.code),
    ),
  );
  if (fatalAt >= 0 && fatalAt < call.entries.length - 1) {
    const label = fatal.map((f) => ('label' in f.meaning ? f.meaning.label : '')).join(', ');
    const resent = call.entries.length - 1 - fatalAt;
    wrong.push({ kind: 'retried-fatal', detail: `${label} sent again ${resent}×` });
  }
  const billed = factsOf(call.entries, call.faults).billedSubmits;
  if (billed > 1) wrong.push({ kind: 'duplicate-billed-submit', detail: `${billed} billed submits` });
  const expected = expectationOf(call.vendor, call.faults);
  if (expected.outcome === 'success' && !call.succeeded) {
    wrong.push({ kind: 'gave-up-retryable', detail: `gave up: ${call.failureReason ?? 'failed'}` });
  }
  if (expected.outcome === 'failure' && call.succeeded && wrong.length === 0) {
    wrong.push({
      kind: 'unexpected-success',
      detail: `succeeded despite ${expected.because ?? 'a final error'}`,
    });
  }
  return wrong;
}
