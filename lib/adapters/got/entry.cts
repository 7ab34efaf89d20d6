/**
 * The CommonJS entry of `vendor-resilience/got` and `/http` (what `require()` loads; `import`
 * loads `entry.ts`): the same ES modules, loaded with require(esm) (Node ≥ 20.19), with the error
 * that says to install `got` when it is missing. `entry.ts` keeps `import` on a dynamic import
 * because Node 20's require(esm) can fail while other imports are still loading.
 */
import { requireWithPeer } from '../../run/optional-peer.js';

// A function, so that requireWithPeer catches the require's failure (`import … = require()` is
// a top-level statement that no try can hold).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (): typeof import('./index.js') => require('./index.js');

export = requireWithPeer('vendor-resilience/got', 'got', load);
