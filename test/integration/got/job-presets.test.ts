import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_ENDPOINTS, presetJob, runVendorJob } from '../../../lib/adapters/got/index.js';
import { builtinPolicy, builtinPolicyNames, isPolicyError } from '../../../lib/core/policy/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

/**
 * Issue 14 item 6: a vendor's job endpoints are data in its policy (`job`), so presetJob works for
 * the built-in vendors as it did and for a vendor of one's own from its policy file alone.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
type Json = Record<string, unknown>;

/** A vendor of one's own: ZenHire's rules, its own endpoints, the job id nested in the submit reply. */
function acmeDocument(): Json {
  const doc = JSON.parse(readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8')) as Json;
  delete doc['$schema'];
  doc['vendor'] = 'acme';
  doc['job'] = {
    baseUrl: 'https://api.acme.example',
    submit: { method: 'PUT', path: '/v2/analyses?mode=fast' },
    poll: { method: 'GET', path: '/v2/analyses/{jobId}/status' },
    jobId: ['data.analysis.id', 'id'],
    source: 'docs/vendor-docs/VENDORS.md §4 (the endpoints are made up for the test)',
  };
  return doc;
}

let server: ScriptedServer | undefined;
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-job-presets-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('presetJob reads the job endpoints from the policy', () => {
  it('JOB_ENDPOINTS lists exactly the built-in policies with a job section, as they give them', () => {
    const withJob = builtinPolicyNames().filter((name) => builtinPolicy(name).job !== undefined);
    expect(Object.keys(JOB_ENDPOINTS).sort()).toEqual(withJob);
    expect(JOB_ENDPOINTS.zenhire).toEqual({
      baseUrl: 'https://platform.zenhire.ai',
      submitPath: 'api/v1/speech/analyze',
      submitMethod: 'POST',
      pollPath: expect.any(Function),
      pollMethod: 'GET',
      jobIdFields: ['id'],
    });
    expect(JOB_ENDPOINTS.zenhire.pollPath('a/b')).toBe('api/v1/speech/analyze/a%2Fb');
    expect(JOB_ENDPOINTS.audixa.pollPath('gen_1')).toBe('v3/tts?generation_id=gen_1');
    expect(JOB_ENDPOINTS.breeze.jobIdFields).toEqual(['generation_job_id', 'id', 'history_item_id']);
    expect(JOB_ENDPOINTS.breeze).toBe(JOB_ENDPOINTS.breeze);
    // Which states end a job is said by the rules; the compiled job groups them.
    expect(builtinPolicy('audixa').job?.states).toEqual({
      pending: ['in_queue', 'generating'],
      done: ['completed'],
      failed: ['failed', 'expired'],
    });
  });

  it('the built-in presets send what they always sent', () => {
    const submit = { headers: { 'x-api-key': 'k' }, json: { text: 't' } };
    const audixa = presetJob('audixa', { submit });
    expect(audixa.submit(1)).toEqual({
      url: 'https://api.audixa.ai/v3/tts',
      options: { method: 'POST', ...submit },
    });
    expect(audixa.poll('gen 1')).toEqual({
      url: 'https://api.audixa.ai/v3/tts?generation_id=gen%201',
      options: { method: 'GET', headers: submit.headers },
    });
    expect(audixa.jobId({ generation_id: 'gen_1', status: 'IN_QUEUE' })).toBe('gen_1');
    const breeze = presetJob('breeze', { submit: {}, voiceId: 'a b', baseUrl: 'http://127.0.0.1:9/' });
    expect(breeze.submit(1).url).toBe('http://127.0.0.1:9/v1/text-to-speech/a%20b');
    expect(breeze.poll('j').options).toEqual({ method: 'GET' });
    expect(breeze.jobId({ history_item_id: 'h', id: 7 })).toBe('7');
    expect(breeze.jobId({ generation_job_id: '' })).toBeUndefined();
  });

  it("a vendor of one's own gets jobs from its policy file, with no code", async () => {
    const file = join(dir, 'acme.json');
    writeFileSync(file, JSON.stringify(acmeDocument(), null, 2));
    server = await startScriptedServer({
      'PUT /v2/analyses': [json(202, { data: { analysis: { id: 'an/1' } }, status: 'queued' })],
      'GET /v2/analyses/an%2F1/status': [
        json(200, { id: 'an/1', status: 'processing' }),
        json(200, { id: 'an/1', status: 'success' }),
      ],
    });
    const time = fakeTime();
    const result = await runVendorJob(
      file,
      presetJob(file, { baseUrl: server.url, submit: { headers: { 'x-api-key': 'acme_key' }, json: {} } }),
      { clock: time.clock, random: () => 0 },
    );
    expect(result).toEqual({
      body: { id: 'an/1', status: 'success' },
      jobId: 'an/1',
      submissions: 1,
      polls: 3,
    });
    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /v2/analyses?mode=fast',
      'GET /v2/analyses/an%2F1/status',
      'GET /v2/analyses/an%2F1/status',
    ]);
    // The same from the document itself.
    expect(presetJob(acmeDocument(), { submit: {} }).submit(1).url).toBe(
      'https://api.acme.example/v2/analyses?mode=fast',
    );
  });

  it('refuses a policy without a job section, and reports a broken one with its file and field', () => {
    expect(() => presetJob('gradium' as never, { submit: {} })).toThrow(
      'presetJob(vendor): expected one of "audixa", "breeze", "zenhire"; got "gradium"',
    );
    const noJob = acmeDocument();
    delete noJob['job'];
    expect(() => presetJob(noJob, { submit: {} })).toThrow(
      "presetJob(vendor): expected a policy with a `job` section (its async-job endpoints); acme's has none",
    );
    const broken = acmeDocument();
    (broken['job'] as Json)['poll'] = { method: 'GET', path: '/v2/analyses' };
    const file = join(dir, 'broken-acme.json');
    writeFileSync(file, JSON.stringify(broken));
    let caught: unknown;
    try {
      presetJob(file, { submit: {} });
    } catch (error) {
      caught = error;
    }
    expect(isPolicyError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      `${file}: job.poll.path: must name {jobId}, where the job id goes`,
    );
  });
});
