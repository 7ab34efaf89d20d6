import type { OptionsInit } from 'got';
import type { CompiledJob, CompiledPolicy } from '../../core/policy/compiled.js';
import { builtinPolicy, builtinPolicyNames, namesPolicyFile } from '../../core/policy/load.js';
import { resolvePolicy, type PolicyInput } from '../../core/policy/user-policy.js';
import { ArgumentCheck, isRecord } from '../../run/validate-arguments.js';
import type { VendorJobSpec } from './async-job.js';

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

/** The built-in vendors whose policies have a `job` section (a test keeps this list equal to policies/). */
const JOB_PRESET_VENDORS = ['zenhire', 'audixa', 'breeze'] as const;

/** A built-in vendor with job endpoints in its policy. */
export type JobPresetVendor = (typeof JOB_PRESET_VENDORS)[number];

function fillPath(path: string, name: 'jobId' | 'voiceId', value: string): string {
  return path.replaceAll(`{${name}}`, encodeURIComponent(value));
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

/** What a preset job needs from the caller. */
export interface PresetJobInit {
  /** Overrides the vendor's origin (a test server, a proxy). */
  baseUrl?: string;
  /** Submit request options: credentials header, `json` or `body`. Its headers are reused for polls. */
  submit: OptionsInit;
  /** The voice to synthesize with, where the submit path names `{voiceId}` (Breeze). */
  voiceId?: string;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

function readJobId(body: unknown, paths: readonly (readonly string[])[]): string | undefined {
  for (const path of paths) {
    let value: unknown = body;
    for (const key of path) {
      value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    }
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

/** The built-in policies that have a `job` section, for the message naming what is allowed. */
function builtinJobVendors(): string[] {
  return builtinPolicyNames().filter((name) => builtinPolicy(name).job !== undefined);
}

/** The policy `vendor` names and its job section; a `TypeError` when it names none. */
function policyWithJob(check: ArgumentCheck, vendor: unknown): CompiledPolicy & { job: CompiledJob } {
  const named = typeof vendor === 'string' && !namesPolicyFile(vendor);
  if (named || !(typeof vendor === 'string' || isRecord(vendor))) {
    const builtin = named && builtinPolicyNames().includes(vendor) ? builtinPolicy(vendor) : undefined;
    if (builtin?.job === undefined) check.oneOf('vendor', vendor, builtinJobVendors());
  }
  const policy = resolvePolicy(vendor as PolicyInput);
  const { job } = policy;
  check.that(
    job !== undefined,
    'vendor',
    `a policy with a \`job\` section (its async-job endpoints); ${policy.vendor}'s has none`,
    vendor,
    typeof vendor === 'string',
  );
  return policy as CompiledPolicy & { job: CompiledJob };
}

/**
 * A {@link VendorJobSpec} for a vendor's async-job endpoints, read from its policy's `job` section:
 * a built-in vendor, a policy file path or a policy, so a vendor of one's own needs no code.
 * Polls reuse the submit headers (the API key) and nothing else.
 */
export function presetJob(vendor: JobPresetVendor | PolicyInput, init: PresetJobInit): VendorJobSpec {
  const check: ArgumentCheck = new ArgumentCheck('presetJob');
  const { vendor: name, job } = policyWithJob(check, vendor);
  check.object('init', init, 'an object with the submit request options ({ submit })');
  check.object('init.submit', init.submit, 'got options for the submit request (headers, json or body)');
  check.string('init.baseUrl', init.baseUrl);
  const needsVoice = job.submit.path.includes('{voiceId}');
  check.that(
    needsVoice
      ? typeof init.voiceId === 'string'
      : init.voiceId === undefined || typeof init.voiceId === 'string',
    'init.voiceId',
    needsVoice
      ? `a voice id string (the ${name} submit path is ${job.submit.path})`
      : 'a string or undefined',
    init.voiceId,
  );
  const base = init.baseUrl ?? job.baseUrl;
  const submitPath = fillPath(job.submit.path, 'voiceId', init.voiceId ?? '');
  return {
    submit: () => ({
      url: joinUrl(base, submitPath),
      options: { method: job.submit.method, ...init.submit },
    }),
    jobId: (body) => readJobId(body, job.jobIdPaths),
    poll: (jobId) => ({
      url: joinUrl(base, fillPath(job.poll.path, 'jobId', jobId)),
      options: {
        method: job.poll.method,
        ...(init.submit.headers ? { headers: init.submit.headers } : {}),
      },
    }),
  };
}
