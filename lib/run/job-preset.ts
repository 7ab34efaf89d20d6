import type { CompiledJob, CompiledJobRequest, CompiledPolicy } from '../core/policy/compiled.js';
import { builtinPolicy, builtinPolicyNames, namesPolicyFile } from '../core/policy/load.js';
import { resolvePolicy, type PolicyInput } from '../core/policy/user-policy.js';
import type { ArgumentCheck } from './validate-arguments.js';
import { isRecord } from './validate-arguments.js';

/** The built-in vendors whose policies have a `job` section (a test keeps this list equal to policies/). */
export const JOB_PRESET_VENDORS = ['zenhire', 'audixa', 'breeze'] as const;

/** A built-in vendor with job endpoints in its policy. */
export type JobPresetVendor = (typeof JOB_PRESET_VENDORS)[number];

/** `path` with its `{name}` placeholder filled with `value`, URL-encoded. */
export function fillPath(path: string, name: 'jobId' | 'voiceId', value: string): string {
  return path.replaceAll(`{${name}}`, encodeURIComponent(value));
}

/** What a preset needs from the caller besides its request options: where the vendor is, and which voice. */
export interface PresetTarget {
  /** Overrides the vendor's origin (a test server, a proxy). */
  baseUrl?: string | undefined;
  /** The voice to synthesize with, where the submit path names `{voiceId}` (Breeze). */
  voiceId?: string | undefined;
}

/** A vendor's job endpoints made ready for one caller: whole URLs, methods, and the job id reader. */
export interface PresetEndpoints {
  /** The submit URL (`baseUrl` and the submit path, `{voiceId}` filled). */
  submitUrl: string;
  submitMethod: CompiledJobRequest['method'];
  /** The poll URL for a job id. */
  pollUrl: (jobId: string) => string;
  pollMethod: CompiledJobRequest['method'];
  /**
   * The job id in the parsed submit body, where the policy says it is (the first present path
   * wins); none when it is `.` or `..` and the poll path holds it as a segment (it cannot be one).
   */
  jobId: (submitBody: unknown) => string | undefined;
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
 * The job endpoints of a vendor's policy (a built-in vendor, a policy file path or a policy), as
 * its `job` section gives them, for a transport's `presetJob`. Checks `init` (an object whose
 * `submit` is `submitExpected`), its `baseUrl` and `voiceId`: a wrong one is a `TypeError`.
 */
export function presetEndpoints(
  check: ArgumentCheck,
  vendor: unknown,
  init: PresetTarget & { submit: unknown },
  submitExpected: string,
): PresetEndpoints {
  const { vendor: name, job } = policyWithJob(check, vendor);
  check.object('init', init, 'an object with the submit request options ({ submit })');
  check.object('init.submit', init.submit, submitExpected);
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
  // The job id is one path segment, percent-encoded; but `.` and `..` are dot segments however
  // they are written (the URL parser resolves `%2E` too): such an id would poll another path.
  const idInPath = (job.poll.path.split('?')[0] ?? '').includes('{jobId}');
  const pollable = (id: string | undefined): string | undefined =>
    idInPath && (id === '.' || id === '..') ? undefined : id;
  return {
    submitUrl: joinUrl(base, fillPath(job.submit.path, 'voiceId', init.voiceId ?? '')),
    submitMethod: job.submit.method,
    pollUrl: (jobId) => joinUrl(base, fillPath(job.poll.path, 'jobId', jobId)),
    pollMethod: job.poll.method,
    jobId: (body) => pollable(readJobId(body, job.jobIdPaths)),
  };
}
