import { SIMULATOR_ENDPOINTS, type Fault, type FaultMatch, type VendorName } from '../lib/testing/index.js';

/**
 * What a fault means for the call that meets it, from the vendors' own error pages, written down
 * here independently of the policies, so the demo can grade the engine instead of echoing it.
 */
export type FaultMeaning =
  /** The vendor documents it as passing: a correct client ends up with a result. */
  | { kind: 'retryable' }
  /** The vendor documents it as final: the call must fail and the request must not be sent again. */
  | { kind: 'fatal'; label: string }
  /** The request may have been processed (and billed): it must not be sent again. */
  | { kind: 'maybe-processed'; label: string }
  /** Output was already delivered when the error came: the call ends with partial output. */
  | { kind: 'partial'; label: string };

/** Vendor codes documented as "do not retry" (the `error` faults of the workload). */
const FATAL_CODES: Record<VendorName, readonly string[]> = {
  // docs/vendor-docs/breeze-errors.txt: UPSTREAM_GENERATION_SERVICE_ERROR | 502 | upstream | No
  breeze: ['UPSTREAM_GENERATION_SERVICE_ERROR'],
  // docs/vendor-docs/gradium-errors.txt: 1008 policy violation (invalid, revoked or expired key, …)
  gradium: ['1008'],
  // docs/vendor-docs/elsa-errors.txt: FailedToDecodeAudioFromBytes "Failed to decode audio"
  elsa: ['FailedToDecodeAudioFromBytes'],
  zenhire: [],
  audixa: [],
};

/** Error-message texts documented as final, for WebSocket errors whose close code says nothing. */
const FATAL_MESSAGES: Record<VendorName, readonly RegExp[]> = {
  elsa: [/^Failed to decode audio/],
  gradium: [],
  breeze: [],
  zenhire: [],
  audixa: [],
};

/** Close codes the vendors document as policy violations / bad payloads (never retried). */
const FATAL_CLOSE_CODES: readonly number[] = [1003, 1008];

function endpointsOf(match: FaultMatch | undefined): string[] {
  const endpoint = match?.endpoint;
  if (endpoint === undefined) return [];
  return typeof endpoint === 'string' ? [endpoint] : [...endpoint];
}

/** What `fault` means for a call of `vendor` that meets it. */
export function meaningOf(vendor: VendorName, fault: Fault): FaultMeaning {
  switch (fault.kind) {
    case 'error': {
      const code = fault.code ?? '';
      return FATAL_CODES[vendor].includes(code) ? { kind: 'fatal', label: code } : { kind: 'retryable' };
    }
    case 'ws-error': {
      const message = fault.message ?? '';
      if (FATAL_CLOSE_CODES.includes(fault.closeCode))
        return { kind: 'fatal', label: `ws ${fault.closeCode}` };
      if (FATAL_MESSAGES[vendor].some((pattern) => pattern.test(message))) {
        return { kind: 'fatal', label: `"${message}"` };
      }
      return { kind: 'retryable' };
    }
    case 'reject-upgrade':
      return fault.status === 401 || fault.status === 403
        ? { kind: 'fatal', label: `upgrade ${fault.status}` }
        : { kind: 'retryable' };
    case 'stream-error':
      return fault.afterLines > 0
        ? { kind: 'partial', label: `error line after ${fault.afterLines} messages` }
        : { kind: 'retryable' };
    case 'drop': {
      // A billed submit cut after the vendor started answering may have been processed.
      const billed = endpointsOf(fault.match).some((id) => isBilledEndpoint(id));
      return fault.when === 'mid-response' && billed
        ? { kind: 'maybe-processed', label: 'connection cut mid-response' }
        : { kind: 'retryable' };
    }
    case 'warm-up':
    case 'rate-limit':
    case 'latency':
    case 'job-failure':
      return { kind: 'retryable' };
  }
}

/** Whether a simulator endpoint starts billed work (TTS, STT, scoring, job submits). */
export function isBilledEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined || endpoint === 'gradium.token') return false;
  const info = (SIMULATOR_ENDPOINTS as Record<string, { transport: string; phase: string }>)[endpoint];
  return info !== undefined && info.transport === 'http' && info.phase === 'submit';
}

/** The outcome a correct client reaches under a scenario's faults. */
export interface Expectation {
  outcome: 'success' | 'failure';
  /** Why failing is right, when it is. */
  because?: string;
}

/** The expected outcome of a call that meets `faults`: success unless one of them is final. */
export function expectationOf(vendor: VendorName, faults: readonly Fault[]): Expectation {
  for (const fault of faults) {
    const meaning = meaningOf(vendor, fault);
    if (meaning.kind !== 'retryable') return { outcome: 'failure', because: meaning.label };
  }
  return { outcome: 'success' };
}
