import type { PolicyInput } from '../../core/policy/user-policy.js';
import type { ResilienceOptions } from '../../run/run-options.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import { checkTelemetryOption } from '../../run/telemetry.js';

export type { AttemptContext, DecisionEvent, ResilienceOptions } from '../../run/run-options.js';

/** Options of {@link vendorResilience}: the shared ones plus nothing vendor-specific yet. */
export type VendorResilienceOptions = ResilienceOptions;

/** The policy argument every HTTP helper accepts: a built-in name, a policy file path, a document or a compiled policy. */
export type PolicyArgument = PolicyInput;

/**
 * Checks a policy argument and the shared options of an HTTP helper up front, so a wrong value
 * from JavaScript is a `TypeError` naming the helper and the option. `deadlineMs` is only
 * type-checked here: its range is checked (a `RangeError`) where the call is set up.
 */
export function checkResilienceOptions(fn: string, policy: unknown, options: unknown): ArgumentCheck {
  const check: ArgumentCheck = new ArgumentCheck(fn);
  check.policy('policy', policy);
  check.options('options', options);
  if (options === undefined) return check;
  check.signal('options.signal', options['signal']);
  const pacing = options['pacing'];
  check.that(
    pacing === undefined ||
      pacing === false ||
      (typeof pacing === 'object' && typeof (pacing as { pacer?: unknown } | null)?.pacer === 'function'),
    'options.pacing',
    'a pacing from createPacing(), false or undefined',
    pacing,
  );
  check.numberType('options.deadlineMs', options['deadlineMs']);
  for (const name of ['onDecision', 'attemptHeaders', 'random'] as const) {
    check.function(`options.${name}`, options[name]);
  }
  check.strings('options.secrets', options['secrets']);
  checkTelemetryOption(check, options['telemetry']);
  check.clock('options.clock', options['clock']);
  check.engine('options.engine', options['engine']);
  return check;
}

/** Checks an optional `got` option: a got instance (`got`, `got.extend(…)`), whose defaults requests start from. */
export function checkGotOption(check: ArgumentCheck, value: unknown): void {
  const defaults =
    typeof value === 'function' ? (value as { defaults?: { options?: unknown } }).defaults : undefined;
  const ok = value === undefined || (typeof defaults?.options === 'object' && defaults.options !== null);
  check.that(ok, 'options.got', 'a got instance (got or got.extend(…)) or undefined', value);
}
