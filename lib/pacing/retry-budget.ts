import type { Decision } from '../core/engine/types.js';

/** The retry budget of a vendor (gRPC retry throttling). `false` turns it off. */
export interface RetryBudgetSettings {
  /** Tokens in a full bucket; each charged retry takes one (default 10, as gRPC's maxTokens). */
  capacity?: number | undefined;
  /** Tokens a success gives back (default 0.1, as gRPC's tokenRatio). */
  refillPerSuccess?: number | undefined;
}

/**
 * Tokens a retry needs, short of 1 by a float's error: a token paid back in tenths comes to
 * 0.9999999999999999, and ten successes must pay one retry back as documented.
 */
export const RETRY_TOKEN_COST = 1 - 1e-9;

/** gRPC's defaults: a full bucket absorbs 10 retries; 10 successes pay one back. */
export const DEFAULT_RETRY_BUDGET: { readonly capacity: number; readonly refillPerSuccess: number } = {
  capacity: 10,
  refillPerSuccess: 0.1,
};

/** Categories the backoff gate and adaptive pacing already handle; charging them would fail calls a slower pace saves. */
const THROTTLE_CATEGORIES: ReadonlySet<string> = new Set([
  'rate_limited',
  'concurrency_limited',
  'warming_up',
]);
const SERVER_GIVEN: ReadonlySet<Decision['delaySource']> = new Set(['header', 'body', 'message']);

/**
 * True when sending again would multiply load on a failing vendor: `retry`, `reconnect`,
 * `resubmit`, and a `backoff` the vendor did not pace itself. A throttle (429, a concurrency
 * limit, warming up) or any wait the server named is not charged: the gate already holds every
 * request to the vendor for that long, so the vendor sets the load.
 */
export function chargesRetryBudget(decision: Decision): boolean {
  switch (decision.action) {
    case 'retry':
    case 'reconnect':
    case 'resubmit':
      return true;
    case 'backoff':
      return !THROTTLE_CATEGORIES.has(decision.category) && !SERVER_GIVEN.has(decision.delaySource);
    default:
      return false;
  }
}

/** True for answers that refill the budget: the vendor is working. */
export function refillsRetryBudget(decision: Decision): boolean {
  return decision.action === 'ok' || decision.action === 'poll';
}

/** The `fail` decision that replaces a retryable one when the vendor's budget is empty. */
export function budgetExhaustedDecision(vendor: string, decision: Decision): Decision {
  const exhausted: Decision = {
    action: 'fail',
    category: 'budget_exhausted',
    delayMs: 0,
    delaySource: 'none',
    rule: `${vendor}#retry-budget`,
    reason:
      `The retry budget for ${vendor} is exhausted: too many recent requests failed, so the ` +
      `${decision.action} asked for by ${decision.rule} (${decision.reason.replace(/\.$/, '')}) ` +
      `was not sent, to spare a vendor that is struggling.`,
  };
  if (decision.code !== undefined) exhausted.code = decision.code;
  if (decision.retryAfterMs !== undefined) exhausted.retryAfterMs = decision.retryAfterMs;
  return exhausted;
}
