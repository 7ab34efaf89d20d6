import type { Got } from 'got';
import { presetJob, type JobPresetVendor, type PresetJobInit } from '../../http/job-presets.js';
import type { ScaledTime } from '../time-scale.js';
import { CallFailure } from './call-failure.js';

/** Each vendor's documented poll interval (docs/vendor-docs/VENDORS.md §3–§5), in simulated ms: the baseline polls on it. */
const POLL_INTERVAL_MS: Record<JobPresetVendor, number> = { zenhire: 15_000, audixa: 1_500, breeze: 2_000 };

/** Gives up polling after this much simulated time (ZenHire's documented 20-minute budget). */
const POLL_DEADLINE_MS = 20 * 60_000;

/** The status words each vendor documents for a finished and a failed job. */
const JOB_STATES: Record<JobPresetVendor, { done: readonly string[]; failed: readonly string[] }> = {
  zenhire: { done: ['success', 'partial'], failed: ['failed'] },
  audixa: { done: ['COMPLETED'], failed: ['FAILED', 'EXPIRED'] },
  breeze: { done: ['ready', 'completed'], failed: ['failed'] },
};

/**
 * A hand-written job client as most integrations have one: submit, then poll every documented
 * interval until the job is done or failed. Each request goes through got's status-only retry.
 */
export async function runBaselineJob(
  http: Got,
  time: ScaledTime,
  vendor: JobPresetVendor,
  init: PresetJobInit,
): Promise<unknown> {
  const spec = presetJob(vendor, init);
  const submit = spec.submit(1);
  const submitted = await http(submit.url, {
    ...submit.options,
    resolveBodyOnly: true,
    responseType: 'json',
  });
  const jobId = spec.jobId(submitted);
  if (jobId === undefined) throw new CallFailure('no job id in the submit reply');
  const endAtMs = time.clock.now() + POLL_DEADLINE_MS;
  while (time.clock.now() < endAtMs) {
    await time.sleep(POLL_INTERVAL_MS[vendor], {});
    const poll = spec.poll(jobId);
    const body = await http(poll.url, { ...poll.options, resolveBodyOnly: true, responseType: 'json' });
    const status = field(body, 'status');
    if (JOB_STATES[vendor].done.includes(status ?? '')) return body;
    if (JOB_STATES[vendor].failed.includes(status ?? '')) {
      throw new CallFailure(`job ${status ?? '?'} (${failureCode(body) ?? 'no code'})`);
    }
  }
  throw new CallFailure('polling deadline');
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function failureCode(body: unknown): string | undefined {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  return field(error, 'code') ?? field(body, 'error_message');
}
