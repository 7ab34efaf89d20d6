/**
 * The runtime entry of `vendor-resilience/testing` (its types are `index.ts`'s): the simulator
 * serves WebSockets through `ws`, an optional peer, so the modules are loaded here with an error
 * that says to install it when it is missing. Every value export of `index.ts` is re-exported (a
 * test keeps the lists equal).
 */
import { importWithPeer } from '../run/optional-peer.js';

const testing = await importWithPeer('vendor-resilience/testing', 'ws', () => import('./index.js'));

/** See `index.ts`: the same functions, constants and classes. */
export const {
  FaultPlanError,
  SIMULATOR_ENDPOINTS,
  VENDOR_NAMES,
  createManualClock,
  loadFaultPlan,
  parseFaultPlan,
  resetDefaultPacing,
  startVendorSimulator,
} = testing;
