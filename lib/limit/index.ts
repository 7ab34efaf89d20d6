/** Pacing: per-vendor limiters, a vendor-wide backoff gate, adaptive limits, retry budgets, Redis cluster mode. */
export { createPacing, pacerKey, type Pacing, type PacingOptions, type PacerRequest } from './pacing.js';
export type { RecordOptions, VendorPacer } from './vendor-pacer.js';
export type { AdaptiveSettings, PacerCounts, PacerLimits, PacerSettings, ScheduleOptions } from './types.js';
export type { Disposable, PacerIdentity, PacingEventMap, PacingEventName, PacingEvents } from './events.js';
export {
  DEFAULT_RETRY_BUDGET,
  budgetExhaustedDecision,
  chargesRetryBudget,
  refillsRetryBudget,
  type RetryBudgetSettings,
} from './retry-budget.js';
export { PACING_UNAVAILABLE, budgetExhaustedError, pacingUnavailableError } from './pacing-errors.js';
export type { RedisClientLike } from './redis-connection.js';
