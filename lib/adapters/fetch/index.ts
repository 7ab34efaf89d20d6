/**
 * `vendor-resilience/fetch`: a `fetch` function whose every call runs under a vendor policy
 * (engine, pacing, typed errors), for fetch itself and for clients that take one (ky, openapi-fetch);
 * and async jobs (submit, poll, resubmit) sent with fetch. No optional peer: fetch is global.
 */
export type { AttemptContext, DecisionEvent } from '../../run/run-options.js';
export type { VendorJobResult } from '../../run/job-loop.js';
export type { FetchFunction, FetchInput, ResilientFetchOptions } from './options.js';
export { resilientFetch } from './resilient-fetch.js';
export { runVendorJob, type FetchJobOptions, type FetchJobRequest, type FetchJobSpec } from './vendor-job.js';
export { presetJob, type FetchPresetJobInit } from './job-preset.js';
