import type { Clock } from '../core/engine/types.js';

/** A vendor's limits as a policy documents them (`CompiledPolicy.limits`), or as a user overrides them. */
export interface PacerLimits {
  /** Requests per minute the vendor allows; paced evenly (one request every 60000 / n ms). Unset: no rate limit. */
  requestsPerMinute?: number | undefined;
  /** Requests (or sessions) in flight at once. Unset: no concurrency limit. */
  maxConcurrent?: number | undefined;
}

/** Options of one {@link VendorPacer.schedule} call. */
export interface ScheduleOptions {
  /** Aborting while the call waits in the queue rejects it at once with the signal's reason and frees its place. */
  signal?: AbortSignal | undefined;
  /** How many concurrency slots the call occupies (default 1). */
  weight?: number | undefined;
}

/** How many calls a pacer holds right now. */
export interface PacerCounts {
  /** Calls waiting for their turn (behind the rate, the concurrency limit or a closed gate). */
  queued: number;
  /** Calls whose task is running. */
  running: number;
}

/** The pacing a pacer applies right now, after adaptation. */
export interface PacerSettings {
  /** Current concurrency limit; `undefined` when unlimited. */
  maxConcurrent: number | undefined;
  /** Current request rate per second; `undefined` when unlimited. */
  requestsPerSecond: number | undefined;
  /** When the backoff gate opens again (ms on the pacer's clock); 0 or a past time when open. */
  gateOpenAtMs: number;
}

/** Tuning of the adaptive parts; the defaults follow AWS adaptive retry mode (rate) and TCP AIMD (concurrency). */
export interface AdaptiveSettings {
  /** Multiplicative decrease of the rate on a rate-limit answer (default 0.7, as AWS). */
  rateBeta?: number | undefined;
  /** Milliseconds the cubic recovery takes to climb back to the throttled rate (default 10000). */
  rateRecoveryMs?: number | undefined;
  /** The rate never drops below this many requests per second (default 0.5, as AWS). */
  minRequestsPerSecond?: number | undefined;
  /** Multiplicative decrease of maxConcurrent on a concurrency-limit answer (default 0.5). */
  concurrencyBeta?: number | undefined;
}

/** Shared clock option: pacing reads time only through it (tests inject one). */
export interface ClockOption {
  clock?: Clock;
}
