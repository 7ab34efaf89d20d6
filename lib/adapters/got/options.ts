import type { PolicyInput } from '../../core/policy/user-policy.js';
import type { ResilienceOptions } from '../../run/run-options.js';
import type { ArgumentCheck } from '../../run/validate-arguments.js';

export type { AttemptContext, DecisionEvent, ResilienceOptions } from '../../run/run-options.js';

/** Options of {@link vendorResilience}: the shared ones plus nothing vendor-specific yet. */
export type VendorResilienceOptions = ResilienceOptions;

/** The policy argument every HTTP helper accepts: a built-in name, a policy file path, a document or a compiled policy. */
export type PolicyArgument = PolicyInput;

/** Checks an optional `got` option: a got instance (`got`, `got.extend(…)`), whose defaults requests start from. */
export function checkGotOption(check: ArgumentCheck, value: unknown): void {
  const defaults =
    typeof value === 'function' ? (value as { defaults?: { options?: unknown } }).defaults : undefined;
  const ok = value === undefined || (typeof defaults?.options === 'object' && defaults.options !== null);
  check.that(ok, 'options.got', 'a got instance (got or got.extend(…)) or undefined', value);
}
