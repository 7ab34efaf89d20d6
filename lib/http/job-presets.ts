import type { OptionsInit } from 'got';
import { ArgumentCheck } from '../util/validate-arguments.js';
import type { VendorJobSpec } from './async-job.js';

/** Where a vendor's documented async-job endpoints live (docs/vendor-docs/VENDORS.md). */
export interface JobEndpoints {
  /** Default API origin. */
  baseUrl: string;
  /** Submit path (relative to `baseUrl`); `{voiceId}` is filled from the options. */
  submitPath: string;
  /** Poll path for a job id. */
  pollPath: (jobId: string) => string;
  /** Where the job id is in the submit reply (first present wins). */
  jobIdFields: readonly string[];
}

/** The documented async-job endpoints of ZenHire, Audixa and Breeze. */
export const JOB_ENDPOINTS = {
  /** docs/vendor-docs/VENDORS.md §4: POST /api/v1/speech/analyze → 202 `{id}`; GET /api/v1/speech/analyze/{id}. */
  zenhire: {
    baseUrl: 'https://platform.zenhire.ai',
    submitPath: 'api/v1/speech/analyze',
    pollPath: (id: string) => `api/v1/speech/analyze/${encodeURIComponent(id)}`,
    jobIdFields: ['id'],
  },
  /** docs/vendor-docs/VENDORS.md §3: POST /v3/tts → `{generation_id, status: "IN_QUEUE"}`; GET /v3/tts?generation_id=…. */
  audixa: {
    baseUrl: 'https://api.audixa.ai',
    submitPath: 'v3/tts',
    pollPath: (id: string) => `v3/tts?generation_id=${encodeURIComponent(id)}`,
    jobIdFields: ['generation_id'],
  },
  /**
   * docs/vendor-docs/VENDORS.md §5: POST /v1/text-to-speech/{voice_id} with `delivery: "async"`; GET
   * /v1/generation-jobs/{id} (status active → ready | failed; 425 GENERATION_NOT_READY + Retry-After).
   */
  breeze: {
    baseUrl: 'https://api.breeze.blue',
    submitPath: 'v1/text-to-speech/{voiceId}',
    pollPath: (id: string) => `v1/generation-jobs/${encodeURIComponent(id)}`,
    jobIdFields: ['generation_job_id', 'id', 'history_item_id'],
  },
} as const satisfies Record<string, JobEndpoints>;

/** A vendor with built-in job endpoints. */
export type JobPresetVendor = keyof typeof JOB_ENDPOINTS;

/** What a preset job needs from the caller. */
export interface PresetJobInit {
  /** Overrides the vendor's origin (a test server, a proxy). */
  baseUrl?: string;
  /** Submit request options: credentials header, `json` or `body`. Its headers are reused for polls. */
  submit: OptionsInit;
  /** Breeze: the voice to synthesize with. */
  voiceId?: string;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function readJobId(body: unknown, fields: readonly string[]): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  for (const field of fields) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

/**
 * A {@link VendorJobSpec} for a vendor's documented endpoints. Polls reuse the submit headers
 * (the API key) and nothing else.
 */
export function presetJob(vendor: JobPresetVendor, init: PresetJobInit): VendorJobSpec {
  const check: ArgumentCheck = new ArgumentCheck('presetJob');
  check.oneOf('vendor', vendor, Object.keys(JOB_ENDPOINTS));
  check.object('init', init, 'an object with the submit request options ({ submit })');
  check.object('init.submit', init.submit, 'got options for the submit request (headers, json or body)');
  check.string('init.baseUrl', init.baseUrl);
  const endpoints: JobEndpoints = JOB_ENDPOINTS[vendor];
  const needsVoice = endpoints.submitPath.includes('{voiceId}');
  check.that(
    needsVoice
      ? typeof init.voiceId === 'string'
      : init.voiceId === undefined || typeof init.voiceId === 'string',
    'init.voiceId',
    needsVoice
      ? `a voice id string (the ${vendor} submit path is ${endpoints.submitPath})`
      : 'a string or undefined',
    init.voiceId,
  );
  const base = init.baseUrl ?? endpoints.baseUrl;
  const submitPath = endpoints.submitPath.replace('{voiceId}', encodeURIComponent(init.voiceId ?? ''));
  return {
    submit: () => ({ url: joinUrl(base, submitPath), options: { method: 'POST', ...init.submit } }),
    jobId: (body) => readJobId(body, endpoints.jobIdFields),
    poll: (jobId) => ({
      url: joinUrl(base, endpoints.pollPath(jobId)),
      options: { method: 'GET', ...(init.submit.headers ? { headers: init.submit.headers } : {}) },
    }),
  };
}
