import type { Clock } from '../core/engine/types.js';
import { createPacing, type Pacing, type PacerRequest } from './pacing.js';
import type { VendorPacer } from './vendor-pacer.js';

let shared: Pacing | undefined;
/** Default pacings of adapters given their own clock (a test's manual clock): gates and waits run on it. */
let byClock = new WeakMap<Clock, Pacing>();

/**
 * The pacing every adapter of this process shares when given no `pacing` option: per vendor and
 * credential, the backoff gate a `backoff` closes, the rate learned from 429s (starting
 * unlimited), concurrency adapted from concurrency codes, and the retry budget. The policy's
 * documented limits are not applied (they are often a free plan's); `createPacing()` applies them.
 * Its timers never keep the process alive by themselves, and idle pacers are dropped. Adapters
 * given their own `clock` share one default pacing per clock.
 */
export function defaultPacing(clock?: Clock): Pacing {
  if (clock === undefined) return (shared ??= createPacing());
  let pacing = byClock.get(clock);
  if (!pacing) {
    pacing = createPacing({ clock });
    byClock.set(clock, pacing);
  }
  return pacing;
}

/**
 * Forgets the process's default pacing (every gate, learned rate and budget of adapters without a
 * `pacing` option) and closes it: the next call starts from a fresh one. For tests, so that one
 * test's 429s do not hold back the next one's calls; `vendor-resilience/testing` exports it.
 */
export async function resetDefaultPacing(): Promise<void> {
  const closing = shared;
  shared = undefined;
  byClock = new WeakMap();
  await closing?.close();
}

/** An adapter's `pacing` option: a pacing of yours, `false` for none, or absent for the default. */
export type PacingOption = Pacing | false | undefined;

/**
 * The pacer for one request under an adapter's `pacing` option: yours (with the policy's limits),
 * none with `false`, else the process default (without them). Callers may keep it: a pacer
 * dropped as idle hands later calls on to its successor.
 */
export function pacerFor(
  option: PacingOption,
  request: PacerRequest,
  /** The adapter's own `clock` option, when it has one: the default pacing then runs on it. */
  clock?: Clock,
): VendorPacer | undefined {
  if (option === false) return undefined;
  if (option === undefined) {
    return defaultPacing(clock).pacer({ vendor: request.vendor, credential: request.credential });
  }
  return option.pacer(request);
}
