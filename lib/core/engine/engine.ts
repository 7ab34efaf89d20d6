import type { CompiledPolicy } from '../policy/compiled.js';
import { decide } from './decide.js';
import { checkSignal, SignalError } from './signal.js';
import type { Clock, Decision, EngineEnvironment, Signal } from './types.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import { systemTime } from '../../run/time-source.js';

/** Finds the compiled policy for a signal's `vendor`; throws when there is none. */
export type PolicyResolver = (vendor: string) => CompiledPolicy;

/** Options for {@link createEngine}. */
export interface EngineOptions {
  /** The policies to decide with: a list (looked up by vendor name) or a resolver. */
  policies: readonly CompiledPolicy[] | PolicyResolver;
  /** Time source; the system clock when omitted. */
  clock?: Clock;
  /** Randomness for jitter, in [0, 1); `Math.random` when omitted. */
  random?: () => number;
}

/** The outcome of {@link Engine.tryDecide}: a decision, or the reason the input was not a usable signal. */
export type DecideResult = { ok: true; decision: Decision } | { ok: false; error: string };

/** Signal in, decision out. */
export interface Engine {
  /** Decides about a signal; throws a {@link SignalError} for a malformed signal or an unknown vendor. */
  decide(signal: Signal): Decision;
  /** Validates untrusted input first; never throws. */
  tryDecide(input: unknown): DecideResult;
  /** The compiled policy a vendor name resolves to. */
  policy(vendor: string): CompiledPolicy;
}

function listResolver(policies: readonly CompiledPolicy[]): PolicyResolver {
  const byName = new Map(policies.map((p) => [p.vendor, p]));
  return (vendor) => {
    const found = byName.get(vendor);
    if (!found)
      throw new SignalError('vendor', `unknown vendor "${vendor}" (known: ${[...byName.keys()].join(', ')})`);
    return found;
  };
}

/**
 * What was thrown, as text, without throwing again: reading hostile input (a getter, a proxy) may
 * throw anything, even a value that cannot become a string (an object without a prototype).
 */
function errorText(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.message === 'string') return error.message;
    return String(error);
  } catch {
    return 'signal: could not be read (reading it threw a value that is not an Error)';
  }
}

/** Creates an engine over the given policies. Pure apart from the injected clock and randomness. */
export function createEngine(options: EngineOptions): Engine {
  const check: ArgumentCheck = new ArgumentCheck('createEngine');
  check.object('options', options, 'an options object with `policies`');
  const { policies } = options;
  check.that(
    typeof policies === 'function' || Array.isArray(policies),
    'options.policies',
    'an array of compiled policies or a resolver function',
    policies,
  );
  if (Array.isArray(policies))
    policies.forEach((policy, index) => check.compiledPolicy(`options.policies[${index}]`, policy));
  check.clock('options.clock', options.clock);
  check.function('options.random', options.random);
  const resolve = typeof options.policies === 'function' ? options.policies : listResolver(options.policies);
  const env: EngineEnvironment = {
    clock: options.clock ?? systemTime,
    random: options.random ?? Math.random,
  };
  const run = (signal: Signal): Decision => decide(resolve(signal.vendor), signal, env);
  return {
    decide: (signal) => run(checkSignal(signal)),
    tryDecide(input) {
      try {
        return { ok: true, decision: run(checkSignal(input)) };
      } catch (error) {
        return { ok: false, error: errorText(error) };
      }
    },
    policy: resolve,
  };
}
