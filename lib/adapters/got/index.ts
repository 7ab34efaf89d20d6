/**
 * `vendor-resilience/got` (also `vendor-resilience/http`): the got adapter, async jobs (submit,
 * poll, resubmit) and vendor message streams. Its runtime entries are `entry.ts` (import) and `entry.cts` (require): got is an optional peer.
 */
export type { AttemptContext, DecisionEvent, VendorResilienceOptions } from './options.js';
export { vendorResilience } from './vendor-resilience.js';
export {
  runVendorJob,
  type JobRequest,
  type RunVendorJobOptions,
  type VendorJobResult,
  type VendorJobSpec,
} from './async-job.js';
export {
  JOB_ENDPOINTS,
  presetJob,
  type JobEndpoints,
  type JobPresetVendor,
  type PresetJobInit,
} from './job-presets.js';
export { readVendorMessages, type VendorMessagesOptions } from './vendor-messages.js';
