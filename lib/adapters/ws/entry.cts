/**
 * The CommonJS entry of `vendor-resilience/ws` (what `require()` loads; `import` loads
 * `entry.ts`): the same ES modules, loaded with require(esm) (Node ≥ 20.19), with the error that
 * says to install `ws` when it is missing.
 */
import { requireWithPeer } from '../../run/optional-peer.js';

// A function, so that requireWithPeer catches the require's failure (`import … = require()` is
// a top-level statement that no try can hold).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (): typeof import('./index.js') => require('./index.js');

export = requireWithPeer('vendor-resilience/ws', 'ws', load);
