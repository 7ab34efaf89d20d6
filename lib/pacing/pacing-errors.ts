import type { Decision } from '../core/engine/types.js';
import { VendorError } from '../run/vendor-error.js';

/** Category of the error a call gets when cluster pacing cannot reach Redis. */
export const PACING_UNAVAILABLE = 'pacing_unavailable';

/**
 * The error for a call that was not sent because cluster pacing lost Redis. It is a
 * {@link VendorError} (action `fail`) so callers handle one error type; `attempts` is 0 because
 * nothing reached the vendor.
 */
export function pacingUnavailableError(vendor: string, cause: Error): VendorError {
  const decision: Decision = {
    action: 'fail',
    category: PACING_UNAVAILABLE,
    delayMs: 0,
    delaySource: 'none',
    rule: `${vendor}#cluster-pacing`,
    reason:
      `Cluster pacing is unavailable (${cause.message}); the request was not sent, because ` +
      `sending without the shared limiter could exceed the vendor's limit across processes.`,
  };
  return new VendorError({ vendor, decision, attempts: 0, cause });
}

/** A {@link VendorError} for a budget-exhausted decision (see `budgetExhaustedDecision`). */
export function budgetExhaustedError(vendor: string, decision: Decision, attempts: number): VendorError {
  return new VendorError({ vendor, decision, attempts });
}
