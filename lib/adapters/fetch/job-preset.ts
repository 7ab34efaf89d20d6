import type { PolicyInput } from '../../core/policy/user-policy.js';
import { presetEndpoints, type JobPresetVendor, type PresetTarget } from '../../run/job-preset.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import type { FetchJobSpec } from './vendor-job.js';

/** What a preset fetch job needs from the caller: the submit request's `init`, and where (`baseUrl`, `voiceId`). */
export interface FetchPresetJobInit extends PresetTarget {
  /** The submit request's `init`: credentials header, `body`. Its headers are reused for polls. */
  submit: RequestInit;
}

/**
 * A {@link FetchJobSpec} for a vendor's async-job endpoints, read from its policy's `job` section
 * (a built-in vendor, a policy file path or a policy), as the got entry's `presetJob` reads them.
 * The method is the policy's unless `submit` names one; polls reuse the submit headers (the API
 * key) and nothing else.
 */
export function presetJob(vendor: JobPresetVendor | PolicyInput, init: FetchPresetJobInit): FetchJobSpec {
  const endpoints = presetEndpoints(
    new ArgumentCheck('presetJob'),
    vendor,
    init,
    'a fetch RequestInit for the submit request (headers, body)',
  );
  return {
    submit: () => ({ url: endpoints.submitUrl, init: { method: endpoints.submitMethod, ...init.submit } }),
    jobId: endpoints.jobId,
    poll: (jobId) => ({
      url: endpoints.pollUrl(jobId),
      init: {
        method: endpoints.pollMethod,
        ...(init.submit.headers === undefined ? {} : { headers: init.submit.headers }),
      },
    }),
  };
}
