import { createEngine, type Engine } from './engine/engine.js';
import { SignalError } from './engine/signal.js';
import type { Clock } from './engine/types.js';
import { isPolicyError } from './policy/policy-error.js';
import { resolvePolicy, type PolicyInput } from './policy/user-policy.js';
import type { CompiledPolicy } from './policy/compiled.js';
import { ArgumentCheck } from '../run/validate-arguments.js';

/** Options for {@link createVendorEngine}. */
export interface VendorEngineOptions {
  /** Extra policies (documents, files or compiled) that take precedence over built-ins of the same name. */
  policies?: readonly PolicyInput[] | undefined;
  /** The engine's time (ms since the epoch; a `Retry-After` date is measured from it); the system clock when omitted. */
  clock?: Clock | undefined;
  /** Randomness for the wait jitter, in [0, 1) (`Math.random` when omitted). */
  random?: (() => number) | undefined;
}

/**
 * An engine that knows the built-in policies, any given extra ones, and policy files named by
 * path in `signal.vendor` (each file is compiled once).
 */
export function createVendorEngine(options: VendorEngineOptions = {}): Engine {
  const check: ArgumentCheck = new ArgumentCheck('createVendorEngine');
  check.options('options', options);
  const { policies } = options;
  check.that(
    policies === undefined || Array.isArray(policies),
    'options.policies',
    'an array of policies or undefined',
    policies,
  );
  policies?.forEach((input, index) => check.policy(`options.policies[${index}]`, input));
  check.clock('options.clock', options.clock);
  check.function('options.random', options.random);
  const registered = new Map<string, CompiledPolicy>();
  for (const input of options.policies ?? []) {
    const policy = resolvePolicy(input);
    registered.set(policy.vendor, policy);
  }
  const resolver = (vendor: string): CompiledPolicy => {
    const known = registered.get(vendor);
    if (known) return known;
    try {
      const policy = resolvePolicy(vendor);
      registered.set(vendor, policy);
      return policy;
    } catch (error) {
      if (isPolicyError(error) && error.field === '' && !/[\\/]|\.json$/i.test(vendor)) {
        throw new SignalError(
          'vendor',
          error.problem.replace(/^is not a built-in policy/, `"${vendor}" is not a known vendor`),
        );
      }
      throw error;
    }
  };
  return createEngine({
    policies: resolver,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
}
