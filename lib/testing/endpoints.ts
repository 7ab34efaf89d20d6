import type { SimulatorPhase, SimulatorTransport } from './endpoint-kinds.js';
import { SIMULATED_VENDORS } from './vendors/index.js';

// The precise names derived here (VendorName, SimulatorEndpoint) are for the public boundary only: the
// simulator's machinery and the vendor modules use plain strings, since the registry imports the vendor
// modules and anything they import must not import back (test/unit/architecture.test.ts).

/** The vendors the simulator can impersonate (one module each in `vendors/`). */
export type VendorName = keyof typeof SIMULATED_VENDORS;

/** Every vendor name, in a stable order. */
export const VENDOR_NAMES: readonly VendorName[] = Object.keys(SIMULATED_VENDORS) as VendorName[];

/** What a fault plan needs to know about an endpoint to match it. */
export interface EndpointInfo {
  /** The vendor serving it. */
  readonly vendor: VendorName;
  /** HTTP or WebSocket. */
  readonly transport: SimulatorTransport;
  /** Its phase. */
  readonly phase: SimulatorPhase;
}

/**
 * The endpoint tables of every vendor module as one object type: their union turned into their
 * intersection (inferring from a function parameter, where the union's members must all hold).
 */
type AllEndpoints = {
  [V in VendorName]: (table: (typeof SIMULATED_VENDORS)[V]['endpoints']) => void;
}[VendorName] extends (table: infer All) => void
  ? All
  : never;

/** Every endpoint the simulator speaks, by id (`vendor.name`): each vendor module lists its own. */
export const SIMULATOR_ENDPOINTS: Readonly<AllEndpoints> = Object.freeze(
  Object.assign({}, ...VENDOR_NAMES.map((vendor) => SIMULATED_VENDORS[vendor].endpoints)) as AllEndpoints,
);

/** Id of a simulated endpoint, e.g. `zenhire.poll`. */
export type SimulatorEndpoint = keyof typeof SIMULATOR_ENDPOINTS;

/** Whether `value` names a simulated endpoint. */
export function isSimulatorEndpoint(value: unknown): value is SimulatorEndpoint {
  return typeof value === 'string' && Object.hasOwn(SIMULATOR_ENDPOINTS, value);
}
