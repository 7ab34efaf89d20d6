/**
 * `vendor-resilience/fetch`: a `fetch` function whose every call runs under a vendor policy
 * (engine, pacing, typed errors), for fetch itself and for clients that take one (ky, openapi-fetch).
 * No optional peer: fetch is global.
 */
export type { AttemptContext, DecisionEvent } from '../../run/run-options.js';
export type { FetchFunction, FetchInput, ResilientFetchOptions } from './options.js';
export { resilientFetch } from './resilient-fetch.js';
