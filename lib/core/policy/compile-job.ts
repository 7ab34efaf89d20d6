import type { Action } from '../engine/types.js';
import type { CompiledJob } from './compiled.js';
import type { PolicyDocument } from './document.js';
import { PolicyError } from './policy-error.js';

/** The placeholders each request's path may name; the poll path must name its own. */
const PLACEHOLDERS = { submit: ['voiceId'], poll: ['jobId'] } as const;

/** What a `jobStatus` rule's action says about the job. */
const STATE_OF_ACTION: Partial<Record<Action, keyof CompiledJob['states']>> = {
  poll: 'pending',
  ok: 'done',
  fail: 'failed',
  resubmit: 'failed',
};

function checkPath(doc: PolicyDocument, file: string, request: 'submit' | 'poll'): void {
  const path = doc.job?.[request].path ?? '';
  const allowed: readonly string[] = PLACEHOLDERS[request];
  const named = [...path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
  const unknown = named.find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    throw new PolicyError(
      file,
      `job.${request}.path`,
      `names {${unknown}}; the ${request} path may name only ${allowed.map((a) => `{${a}}`).join(', ')}`,
    );
  }
  if (request === 'poll' && !named.includes('jobId'))
    throw new PolicyError(file, 'job.poll.path', 'must name {jobId}, where the job id goes');
}

/** The job states the rules name, grouped by what their action makes of them (file order, no repeats). */
function statesOf(doc: PolicyDocument): CompiledJob['states'] {
  const states = { pending: new Set<string>(), done: new Set<string>(), failed: new Set<string>() };
  for (const rule of doc.rules) {
    const group = STATE_OF_ACTION[rule.action];
    const named = rule.match.jobStatus;
    if (group === undefined || named === undefined) continue;
    for (const state of typeof named === 'string' ? [named] : named) states[group].add(state.toLowerCase());
  }
  return { pending: [...states.pending], done: [...states.done], failed: [...states.failed] };
}

/**
 * Checks and compiles a policy's `job` section (the schema has checked its shape): placeholders
 * the paths may not name, a poll path without `{jobId}`, a base URL that does not parse.
 */
export function compileJob(doc: PolicyDocument, file: string): CompiledJob | undefined {
  const job = doc.job;
  if (job === undefined) return undefined;
  if (!URL.canParse(job.baseUrl)) throw new PolicyError(file, 'job.baseUrl', 'is not a valid URL');
  checkPath(doc, file, 'submit');
  checkPath(doc, file, 'poll');
  return {
    baseUrl: job.baseUrl,
    submit: { method: job.submit.method, path: job.submit.path },
    poll: { method: job.poll.method, path: job.poll.path },
    jobIdPaths: job.jobId.map((path) => path.split('.')),
    states: statesOf(doc),
  };
}
