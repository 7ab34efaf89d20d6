import { createEngine, type Engine } from '../core/engine/engine.js';
import { SignalError } from '../core/engine/signal.js';
import type { CompiledPolicy } from '../core/policy/compiled.js';
import { builtinPolicy, builtinPolicyNames } from '../core/policy/load.js';

/** How much of an unknown vendor name an error repeats: enough to recognise, not a pasted document. */
const MAX_ECHOED_CHARS = 40;

/**
 * The vendors the command line knows: the built-in policies by name in any case (people type
 * `Breeze`), and the one policy file named with `--policy`, which wins over a built-in of the same
 * name. Never a file named in a signal: a batch line's `vendor` must not make the command read a
 * file, let alone quote it.
 */
export class CliVendors {
  private readonly byName = new Map<string, CompiledPolicy>();

  constructor(private readonly extra: CompiledPolicy | undefined) {}

  /** The policy a vendor name means; a {@link SignalError} on `vendor` for any other name. */
  policy(name: string): CompiledPolicy {
    const key = name.toLowerCase();
    const known = this.byName.get(key);
    if (known) return known;
    let policy: CompiledPolicy;
    if (this.extra !== undefined && this.extra.vendor.toLowerCase() === key) policy = this.extra;
    else if (builtinPolicyNames().includes(key)) policy = builtinPolicy(key);
    else throw new SignalError('vendor', this.unknown(name));
    this.byName.set(key, policy);
    return policy;
  }

  /** An engine that resolves signal vendors through {@link CliVendors.policy}. */
  engine(): Engine {
    return createEngine({ policies: (vendor) => this.policy(vendor) });
  }

  private unknown(name: string): string {
    const shown = name.length > MAX_ECHOED_CHARS ? `${name.slice(0, MAX_ECHOED_CHARS)}…` : name;
    const known = [...(this.extra ? [this.extra.vendor] : []), ...builtinPolicyNames()];
    const hint = /[\\/]|\.json$/i.test(name) ? '; a policy file is named with --policy FILE' : '';
    return `${JSON.stringify(shown)} is not a known vendor (known: ${[...new Set(known)].join(', ')})${hint}`;
  }
}
