import type { Got } from 'got';
import { presetJob, type JobPresetVendor, type PresetJobInit } from '../../lib/adapters/got/job-presets.js';
import { builtinPolicy } from '../../lib/core/policy/load.js';
import type { ScaledTime } from '../time-scale.js';
import { CallFailure } from './call-failure.js';

/** Gives up polling after this much simulated time (ZenHire's documented 20-minute budget). */
const POLL_DEADLINE_MS = 20 * 60_000;

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
  // What the vendor documents, as its policy states it: the poll interval, the finished and failed states.
  const policy = builtinPolicy(vendor);
  const states: { done: readonly string[]; failed: readonly string[] } = policy.job?.states ?? {
    done: [],
    failed: [],
  };
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
    await time.clock.sleep(policy.polling.intervalMs, {});
    const poll = spec.poll(jobId);
    const body = await http(poll.url, { ...poll.options, resolveBodyOnly: true, responseType: 'json' });
    const status = field(body, 'status');
    const state = status?.toLowerCase() ?? '';
    if (states.done.includes(state)) return body;
    if (states.failed.includes(state)) {
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
