import type { Clock, Decision } from '../core/engine/types.js';
import type { Telemetry } from '../run/telemetry.js';
import { timeSourceOf } from '../run/time-source.js';
import { reportPacingTo } from './events.js';
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

/** An adapter's telemetry that a default pacing reports to, and the vendors it was given for. */
interface TelemetryRoute {
  telemetry: Telemetry;
  vendors: Set<string>;
}

/**
 * Where a default pacing's gate and budget events go: to the `telemetry` of each adapter that uses
 * it, for that adapter's vendor, once per telemetry option object (adapters given the same one
 * share its report, so one closed gate is one measurement). The default pacing has no options of
 * its own to carry a telemetry, and without this an adapter's telemetry would never see the gate
 * it waits behind. Held weakly: a telemetry dropped with its adapters is not kept alive by the
 * process's shared pacing, and stops being reported to.
 */
class TelemetryRoutes {
  private readonly byOptions = new WeakMap<object, TelemetryRoute>();
  private readonly live = new Set<WeakRef<TelemetryRoute>>();
  /**
   * Forgets the reference of a route once it was collected: pruned only as events come, the set
   * kept one empty reference for every telemetry object ever seen (adapters made per request).
   */
  private readonly forget = new FinalizationRegistry<WeakRef<TelemetryRoute>>((ref) => {
    this.live.delete(ref);
  });

  constructor(pacing: Pacing, clock: Clock | undefined) {
    reportPacingTo(pacing, this, timeSourceOf(clock));
  }

  /** Reports this vendor's gate and budget events to `telemetry` from now on. */
  add(telemetry: Telemetry, vendor: string): void {
    let route = this.byOptions.get(telemetry.options);
    if (!route) {
      route = { telemetry, vendors: new Set() };
      this.byOptions.set(telemetry.options, route);
      const ref = new WeakRef(route);
      this.live.add(ref);
      this.forget.register(route, ref);
    }
    route.vendors.add(vendor);
  }

  gateWasClosed(vendor: string, closedMs: number): void {
    for (const route of this.routesOf(vendor)) route.telemetry.gateWasClosed(vendor, closedMs);
  }

  budgetWasExhausted(vendor: string, decision: Decision): void {
    for (const route of this.routesOf(vendor)) route.telemetry.budgetWasExhausted(vendor, decision);
  }

  private routesOf(vendor: string): TelemetryRoute[] {
    const routes: TelemetryRoute[] = [];
    for (const ref of this.live) {
      const route = ref.deref();
      if (route === undefined) this.live.delete(ref);
      else if (route.vendors.has(vendor)) routes.push(route);
    }
    return routes;
  }
}

/** The telemetry routes of each default pacing that has any (made when the first adapter with a telemetry uses it). */
const routesByPacing = new WeakMap<Pacing, TelemetryRoutes>();

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
  /** The adapter's `telemetry`: the default pacing reports the vendor's gate and budget events to it. */
  telemetry?: Telemetry,
): VendorPacer | undefined {
  if (option === false) return undefined;
  if (option === undefined) {
    const pacing = defaultPacing(clock);
    if (telemetry) {
      let routes = routesByPacing.get(pacing);
      if (!routes) {
        routes = new TelemetryRoutes(pacing, clock);
        routesByPacing.set(pacing, routes);
      }
      routes.add(telemetry, request.vendor);
    }
    return pacing.pacer({ vendor: request.vendor, credential: request.credential });
  }
  return option.pacer(request);
}
