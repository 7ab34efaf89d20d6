import type { Action, Phase, Transport } from '../engine/types.js';
import type { PolicyDocument, ResendSafety, SignalPart } from './document.js';

/** Resolved computed-backoff settings (every field present). */
export interface Backoff {
  baseMs: number;
  factor: number;
  maxMs: number;
  minMs: number;
  jitter: 'none' | 'full' | 'equal' | 'decorrelated';
}

/** A path condition of an envelope, ready to test against parsed JSON. */
export interface PathCondition {
  path: readonly string[];
  /** `undefined` means "present"; otherwise the value must equal one of these. */
  values: readonly (string | number | boolean)[] | undefined;
}

/** A field an envelope extracts. */
export type EnvelopeField =
  'code' | 'message' | 'retryAfterSeconds' | 'pollIntervalSeconds' | 'requestId' | 'jobStatus';

/** An envelope ready for the engine. */
export interface CompiledEnvelope {
  id: string;
  format: 'json' | 'text';
  parts: ReadonlySet<SignalPart>;
  when: readonly PathCondition[];
  pattern: RegExp | undefined;
  fields: Readonly<Partial<Record<EnvelopeField, readonly (readonly string[])[]>>>;
  isError: boolean;
}

/** A rule's conditions, as sets for constant-time tests. */
export interface CompiledMatch {
  transport: Transport | undefined;
  phases: ReadonlySet<Phase> | undefined;
  statuses: ReadonlySet<number> | undefined;
  codes: ReadonlySet<string> | undefined;
  message: RegExp | undefined;
  envelopes: ReadonlySet<string> | undefined;
  /** Lower-cased. */
  jobStatuses: ReadonlySet<string> | undefined;
  closeCodes: ReadonlySet<number> | undefined;
  errors: ReadonlySet<string> | undefined;
  emptyBody: boolean;
}

/** A rule ready for the engine. */
export interface CompiledRule {
  id: string;
  /** `vendor#id`, as reported in decisions. */
  name: string;
  match: CompiledMatch;
  action: Action;
  category: string;
  summary: string;
  source: string;
  code: string | undefined;
  maxAttempts: number | undefined;
  backoff: Backoff;
  /** The policy file the rule was written in: for a policy that `extends` another, a base's file for an inherited rule. */
  file: string;
}

/** One request of an async job, as the policy gives it. */
export interface CompiledJobRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Starts with `/`; `{voiceId}` (submit) or `{jobId}` (poll) still to fill in. */
  path: string;
}

/** A policy's async-job endpoints (its `job` section) and the job states its rules name. */
export interface CompiledJob {
  baseUrl: string;
  submit: CompiledJobRequest;
  poll: CompiledJobRequest;
  /** Where the submit reply carries the job id (split dotted paths; the first present wins). */
  jobIdPaths: readonly (readonly string[])[];
  /** Job states (lower-cased) by what the `jobStatus` rules do: poll again, done (`ok`), failed (`fail`/`resubmit`). */
  states: { pending: readonly string[]; done: readonly string[]; failed: readonly string[] };
}

/** A validated, compiled policy: what the engine consumes. Immutable. */
export interface CompiledPolicy {
  vendor: string;
  title: string;
  /** The document it was compiled from (frozen), for docs and tooling; for a policy that `extends` another, the merged one. */
  document: PolicyDocument;
  /** The files it was compiled from: its own (`<inline>` for a document), then each base it `extends`, nearest first. */
  files: readonly string[];
  envelopes: readonly CompiledEnvelope[];
  /** Code-identifying rules first, then the rest, each group in file order. */
  rules: readonly CompiledRule[];
  backoff: Backoff;
  maxAttempts: Readonly<Record<'retry' | 'backoff' | 'resubmit' | 'reconnect', number>>;
  serverWait: {
    maxMs: number;
    overCap: 'fail' | 'clamp';
    jitterRatio: number;
    messagePatterns: readonly RegExp[];
    resetHeader: string | undefined;
    remainingHeader: string | undefined;
  };
  resend: Readonly<Record<Phase, ResendSafety>>;
  polling: {
    intervalMs: number;
    minIntervalMs: number;
    schedule: readonly { afterMs: number; intervalMs: number }[];
    deadlineMs: number;
  };
  limits: { requestsPerMinute: number | undefined; maxConcurrent: number | undefined };
  /** The async-job endpoints, when the vendor has async jobs. */
  job: CompiledJob | undefined;
}
