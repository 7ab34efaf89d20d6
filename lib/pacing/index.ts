/**
 * `vendor-resilience/pacing`: per-vendor limiters, a vendor-wide backoff gate, adaptive limits,
 * retry budgets, Redis cluster mode. `createPacing` and the types of its options, events and pacers.
 */
export { createPacing, type Pacing, type PacingOptions, type PacerRequest } from './pacing.js';
export type { RecordOptions, StartedCall, VendorPacer } from './vendor-pacer.js';
export type { AdaptiveSettings, PacerCounts, PacerLimits, PacerSettings, ScheduleOptions } from './types.js';
export type { Disposable, PacerIdentity, PacingEventMap, PacingEventName } from './events.js';
export type { RetryBudgetSettings } from './retry-budget.js';
export type { RedisClientLike } from './redis-connection.js';
