/**
 * The runtime entry of `vendor-resilience/ws` (its types are `index.ts`'s): the modules behind it
 * import `ws`, an optional peer, so they are loaded here with an error that says to install it
 * when it is missing. `require()` loads `entry.cts` instead, the same modules
 * without this top-level await (which require(esm) refuses); this entry keeps the dynamic import
 * because Node 20's require(esm) fails while other imports are still loading (concurrent `import()`).
 * Every value export of `index.ts` is re-exported (a test keeps the lists equal).
 */
import { importWithPeer } from '../../run/optional-peer.js';

const ws = await importWithPeer('vendor-resilience/ws', 'ws', () => import('./index.js'));

/** See `index.ts`: the same functions and classes. */
export const {
  OutboxFullError,
  ResilientWebSocket,
  WebSocketSessionError,
  createResilientWebSocket,
  messageTypeIs,
} = ws;
