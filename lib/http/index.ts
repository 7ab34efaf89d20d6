export type {
  AttemptContext,
  DecisionEvent,
  PolicyArgument,
  ResilienceOptions,
  SleepFunction,
  VendorResilienceOptions,
} from './options.js';
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
export { ndjsonLines } from './ndjson-lines.js';
