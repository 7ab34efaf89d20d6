/**
 * The runtime entry of `vendor-resilience/got` and its alias `vendor-resilience/http` (its types are `index.ts`'s): the modules behind
 * it import `got`, an optional peer, so they are loaded here with an error that says to install
 * it when it is missing. `require()` loads `entry.cts` instead, the same modules
 * without this top-level await (which require(esm) refuses); this entry keeps the dynamic import
 * because Node 20's require(esm) fails while other imports are still loading (concurrent `import()`).
 * Every value export of `index.ts` is re-exported (a test keeps the lists equal).
 */
import { importWithPeer } from '../../run/optional-peer.js';

const http = await importWithPeer('vendor-resilience/got', 'got', () => import('./index.js'));

/** See `index.ts`: the same functions and constants. */
export const { JOB_ENDPOINTS, presetJob, readVendorMessages, runVendorJob, vendorResilience } = http;
