import type { OptionsInit } from 'got';
import type { CompiledJob } from '../../core/policy/compiled.js';
import { builtinPolicy } from '../../core/policy/load.js';
import type { PolicyInput } from '../../core/policy/user-policy.js';
import {
  fillPath,
  JOB_PRESET_VENDORS,
  presetEndpoints,
  type JobPresetVendor,
  type PresetTarget,
} from '../../run/job-preset.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import type { VendorJobSpec } from './async-job.js';

export type { JobPresetVendor } from '../../run/job-preset.js';

/** A vendor's async-job endpoints, as its policy's `job` section gives them (cited there from docs/vendor-docs/VENDORS.md). */
export interface JobEndpoints {
  /** Default API origin. */
  baseUrl: string;
  /** Submit path (relative to `baseUrl`); `{voiceId}` is filled from the options. */
  submitPath: string;
  /** Submit method. */
  submitMethod: string;
  /** Poll path for a job id. */
  pollPath: (jobId: string) => string;
  /** Poll method. */
  pollMethod: string;
  /** Where the job id is in the submit reply (dotted paths; the first present wins). */
  jobIdFields: readonly string[];
}

function endpointsOf(job: CompiledJob): JobEndpoints {
  return Object.freeze({
    baseUrl: job.baseUrl,
    submitPath: job.submit.path.slice(1),
    submitMethod: job.submit.method,
    pollPath: (jobId: string) => fillPath(job.poll.path, 'jobId', jobId).slice(1),
    pollMethod: job.poll.method,
    jobIdFields: Object.freeze(job.jobIdPaths.map((path) => path.join('.'))),
  });
}

const builtinEndpoints = new Map<string, JobEndpoints>();

/** The built-in vendors' async-job endpoints, read from their policies (policies/<vendor>.json `job`) on first use. */
export const JOB_ENDPOINTS: Readonly<Record<JobPresetVendor, JobEndpoints>> = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(
      JOB_PRESET_VENDORS.map((vendor): [string, PropertyDescriptor] => [
        vendor,
        {
          enumerable: true,
          get(): JobEndpoints {
            let endpoints = builtinEndpoints.get(vendor);
            if (endpoints === undefined) {
              const job = builtinPolicy(vendor).job;
              if (job === undefined) throw new Error(`policies/${vendor}.json has no job section`);
              endpoints = endpointsOf(job);
              builtinEndpoints.set(vendor, endpoints);
            }
            return endpoints;
          },
        },
      ]),
    ),
  ) as Record<JobPresetVendor, JobEndpoints>,
);

/** What a preset job needs from the caller: the submit request's options, and where (`baseUrl`, `voiceId`). */
export interface PresetJobInit extends PresetTarget {
  /** Submit request options: credentials header, `json` or `body`. Its headers are reused for polls. */
  submit: OptionsInit;
}

/**
 * A {@link VendorJobSpec} for a vendor's async-job endpoints, read from its policy's `job` section:
 * a built-in vendor, a policy file path or a policy, so a vendor of one's own needs no code.
 * Polls reuse the submit headers (the API key) and nothing else.
 */
export function presetJob(vendor: JobPresetVendor | PolicyInput, init: PresetJobInit): VendorJobSpec {
  const endpoints = presetEndpoints(
    new ArgumentCheck('presetJob'),
    vendor,
    init,
    'got options for the submit request (headers, json or body)',
  );
  return {
    submit: () => ({
      url: endpoints.submitUrl,
      options: { method: endpoints.submitMethod, ...init.submit },
    }),
    jobId: endpoints.jobId,
    poll: (jobId) => ({
      url: endpoints.pollUrl(jobId),
      options: {
        method: endpoints.pollMethod,
        ...(init.submit.headers ? { headers: init.submit.headers } : {}),
      },
    }),
  };
}
