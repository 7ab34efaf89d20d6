import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { isVendorError, type VendorFailure } from '../../../lib/index.js';
import {
  presetJob,
  runVendorJob,
  type FetchJobOptions,
  type FetchJobSpec,
} from '../../../lib/adapters/fetch/index.js';
import type { DecisionEvent } from '../../../lib/run/run-options.js';
import {
  createManualClock,
  startVendorSimulator,
  type FaultPlan,
  type ManualClock,
  type VendorName,
  type VendorSimulator,
} from '../../../lib/testing/index.js';

// Issue 15: async jobs (submit, poll on the server's schedule, resubmit, fail) sent with fetch,
// against the vendor simulator (real loopback, no mocks), on a self-advancing manual clock. The
// API key is a canary that must not appear in any error view or decision event.

const CANARY = 'sk_live_canary_fetchjob_5e1a9c07d2';
const START_MS = Date.UTC(2026, 0, 1);

let sim: VendorSimulator | undefined;
let clock: ManualClock | undefined;
afterEach(async () => {
  clock?.dispose();
  clock = undefined;
  await sim?.close();
  sim = undefined;
});

interface Rig {
  sim: VendorSimulator;
  clock: ManualClock;
  events: DecisionEvent[];
  options: FetchJobOptions;
}

/** A simulator of `vendor` with `faults`, and job options on its self-advancing manual clock. */
async function rig(
  vendor: VendorName,
  faults: FaultPlan['faults'],
  simOptions: { pollsUntilDone?: number } = {},
): Promise<Rig> {
  clock = createManualClock(START_MS, { autoAdvance: true });
  sim = await startVendorSimulator({ vendor, apiKey: CANARY, clock, faultPlan: { faults }, ...simOptions });
  const events: DecisionEvent[] = [];
  const options: FetchJobOptions = {
    clock,
    random: () => 0,
    pacing: false,
    onDecision: (event) => events.push(event),
  };
  return { sim, clock, events, options };
}

/** Every text view of an error: message, stack, inspect, JSON, its cause. */
function views(error: unknown): string {
  return [
    String(error),
    (error as Error).stack ?? '',
    inspect(error, { depth: 8, showHidden: true }),
    JSON.stringify(error),
    inspect((error as { cause?: unknown }).cause, { depth: 8 }),
  ].join('\n');
}

/** The VendorError a job rejects with; the canary is in none of its views. */
async function failureOf(promise: Promise<unknown>): Promise<VendorFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isVendorError(error)) throw new Error(`expected a VendorError, got ${inspect(error)}`);
  expect(views(error)).not.toContain(CANARY);
  return error;
}

const zenhire = (url: string) =>
  presetJob('zenhire', {
    baseUrl: url,
    submit: {
      headers: { 'x-api-key': CANARY, 'content-type': 'application/json' },
      body: JSON.stringify({ audioUrl: 'https://example.com/a.wav', language: 'en' }),
    },
  });

/** `method status code` of each request the simulator saw. */
const seen = (s: VendorSimulator) =>
  s.requests().map((r) => `${r.method} ${r.status} ${r.code ?? ''}`.trim());

describe('runVendorJob (fetch) against the simulator', () => {
  it('ZenHire: warm-up on submit, `processing` polls and a POLL_RATE_LIMITED poll, then success', async () => {
    const { sim, events, options } = await rig('zenhire', [
      { kind: 'warm-up', durationMs: 50_000, retryAfterSeconds: 30, match: { endpoint: 'zenhire.submit' } },
      { kind: 'error', code: 'POLL_RATE_LIMITED', retryAfterSeconds: 10, times: 1, match: { phase: 'poll' } },
    ]);
    const result = await runVendorJob('zenhire', zenhire(sim.url), {
      ...options,
      attemptHeaders: ({ phase, attempt }) => ({ 'x-try': `${phase}-${attempt}` }),
    });
    expect(result).toEqual({
      body: expect.objectContaining({ status: 'success' }),
      jobId: expect.stringMatching(/^req_/),
      submissions: 1,
      polls: 4,
    });
    expect(seen(sim)).toEqual([
      'POST 503 SERVICE_WARMING_UP',
      'POST 503 SERVICE_WARMING_UP',
      'POST 202',
      'GET 429 POLL_RATE_LIMITED',
      'GET 200',
      'GET 200',
    ]);
    const requests = sim.requests();
    // The job's key went out on every request (the simulator checks it, and redacts it in its log).
    expect(requests.every((r) => r.headers['x-api-key'] === '[REDACTED]')).toBe(true);
    expect(requests.map((r) => r.headers['x-try'])).toEqual([
      'submit-1',
      'submit-2',
      'submit-3',
      'poll-1',
      'poll-1',
      'poll-1',
    ]);
    // The first poll waits the submit reply's pollIntervalSeconds (15 s); the rate-limited one its 10 s;
    // `processing` its Retry-After (15 s).
    const gaps = requests.slice(3).map((r, i) => r.receivedAtMs - requests[i + 2]!.receivedAtMs);
    expect(gaps).toEqual([15_000, 10_000, 15_000]);
    const polls = events.filter((e) => e.phase === 'poll');
    expect(polls.map((e) => e.decision.code ?? e.decision.action)).toEqual([
      'poll',
      'POLL_RATE_LIMITED',
      'poll',
      'ok',
    ]);
    // POLL_RATE_LIMITED is a poll: it waits, and uses no attempt (the poll count goes on).
    expect(polls[1]!.decision.action).toBe('poll');
    expect(polls.slice(0, 3).map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(events.every((e) => !JSON.stringify(e).includes(CANARY))).toBe(true);
  });

  it('ZenHire: a job that failed with a resubmit code (TRANSCRIPTION_FAILED) is submitted afresh', async () => {
    const { sim, events, options } = await rig(
      'zenhire',
      [{ kind: 'job-failure', code: 'TRANSCRIPTION_FAILED', times: 1 }],
      { pollsUntilDone: 1 },
    );
    const result = await runVendorJob('zenhire', zenhire(sim.url), options);
    expect(result.submissions).toBe(2);
    expect(result.body).toMatchObject({ id: result.jobId, status: 'success' });
    expect(seen(sim)).toEqual(['POST 202', 'GET 200', 'POST 202', 'GET 200']);
    const [firstPoll, , , secondPoll] = sim.requests();
    // The fresh job is polled, not the failed one.
    expect(firstPoll!.path).not.toBe(secondPoll!.path);
    expect(secondPoll!.path).toBe(`/api/v1/speech/analyze/${result.jobId}`);
    expect(events.filter((e) => e.decision.action === 'resubmit').map((e) => e.decision.code)).toEqual([
      'TRANSCRIPTION_FAILED',
    ]);
  });

  it('ZenHire: fails when the resubmit budget is spent, with the job id and the vendor code', async () => {
    const { sim, options } = await rig('zenhire', [{ kind: 'job-failure', code: 'SCORING_FAILED' }], {
      pollsUntilDone: 1,
    });
    const error = await failureOf(runVendorJob('zenhire', zenhire(sim.url), options));
    expect(error.action).toBe('fail');
    expect(error.vendorCode).toBe('SCORING_FAILED');
    expect(error.attempts).toBe(2);
    expect(sim.requests().filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(error.requestId).toBe(sim.requests()[3]!.path.split('/').pop());
  });

  it('ZenHire: a fatal failure (TRANSCRIPTION_LOW_CONFIDENCE) rejects at once, the echoed key found nowhere', async () => {
    const { sim, events, options } = await rig(
      'zenhire',
      [
        {
          kind: 'job-failure',
          code: 'TRANSCRIPTION_LOW_CONFIDENCE',
          message: `language mismatch (${CANARY})`,
        },
      ],
      { pollsUntilDone: 1 },
    );
    const error = await failureOf(runVendorJob('zenhire', zenhire(sim.url), options));
    expect(error.vendorCode).toBe('TRANSCRIPTION_LOW_CONFIDENCE');
    expect(error.action).toBe('fail');
    expect(error.vendorMessage).toMatch(/language mismatch/);
    expect(seen(sim)).toEqual(['POST 202', 'GET 200']);
    expect(events.every((e) => !JSON.stringify(e).includes(CANARY))).toBe(true);
  });

  it('Audixa: IN_QUEUE, GENERATING, then COMPLETED, polled every 1–2 s', async () => {
    const { sim, options } = await rig('audixa', []);
    const result = await runVendorJob(
      'audixa',
      presetJob('audixa', {
        baseUrl: sim.url,
        submit: {
          headers: { 'x-api-key': CANARY },
          body: JSON.stringify({ text: 'Hello', voice_id: 'am_ethan', model: 'base' }),
        },
      }),
      options,
    );
    expect(result.body).toMatchObject({ generation_id: result.jobId, status: 'COMPLETED' });
    expect(seen(sim)).toEqual(['POST 201', 'GET 200', 'GET 200']);
    const requests = sim.requests();
    expect(requests[1]!.path).toBe(`/v3/tts?generation_id=${result.jobId}`);
    for (const [i, r] of requests.slice(1).entries()) {
      const gap = r.receivedAtMs - requests[i]!.receivedAtMs;
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(2_000);
    }
  });

  it('Breeze: a hand-written spec polls the audio through 425 GENERATION_NOT_READY (Retry-After) to the 200', async () => {
    const { sim, events, options } = await rig('breeze', [], { pollsUntilDone: 3 });
    const spec: FetchJobSpec = {
      submit: () => ({
        url: `${sim.url}/v1/text-to-speech/voice_1`,
        init: {
          method: 'POST',
          headers: { 'xi-api-key': CANARY, 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'Hello', delivery: 'async' }),
        },
      }),
      jobId: (body) => (body as { generation_job_id?: string }).generation_job_id,
      poll: (id) => ({
        url: new URL(`/v1/generation-jobs/${id}/audio`, sim.url),
        init: { headers: { 'xi-api-key': CANARY } },
      }),
    };
    const result = await runVendorJob('breeze', spec, options);
    expect(seen(sim)).toEqual([
      'POST 202',
      'GET 425 GENERATION_NOT_READY',
      'GET 425 GENERATION_NOT_READY',
      'GET 200',
    ]);
    expect(typeof result.body).toBe('string');
    expect(result.polls).toBe(4);
    const polls = events.filter((e) => e.phase === 'poll');
    expect(polls.map((e) => e.decision.code ?? e.decision.action)).toEqual([
      'poll',
      'GENERATION_NOT_READY',
      'GENERATION_NOT_READY',
      'ok',
    ]);
    expect(polls.slice(1, 3).every((e) => e.decision.action === 'poll')).toBe(true);
  });
});

describe('runVendorJob (fetch): failures and options', () => {
  it('the key (header and URL) is found nowhere in a refused submit, a lost job, a transport failure or a poll deadline', async () => {
    // The vendor echoes the key back: the first submit is refused, the first poll finds no job.
    const { sim, events, options } = await rig(
      'audixa',
      [
        {
          kind: 'error',
          status: 401,
          message: `key ${CANARY} rejected`,
          times: 1,
          match: { endpoint: 'audixa.create' },
        },
        {
          kind: 'error',
          status: 404,
          message: `no job for ${CANARY}`,
          times: 1,
          match: { endpoint: 'audixa.poll' },
        },
      ],
      { pollsUntilDone: 1_000 },
    );
    const q = `api_key=${CANARY}`;
    const job = (
      submitUrl: string,
      pollUrl: (id: string) => string,
      submitHeaders: Record<string, string> = { 'x-api-key': CANARY },
    ): FetchJobSpec => ({
      submit: () => ({
        url: submitUrl,
        init: {
          method: 'POST',
          headers: submitHeaders,
          body: JSON.stringify({ text: 't', voice_id: 'am_ethan', model: 'base' }),
        },
      }),
      jobId: (body) => (body as { generation_id?: string }).generation_id,
      poll: (id) => ({
        url: pollUrl(id),
        init: { headers: { 'x-api-key': CANARY, authorization: `Bearer ${CANARY}` } },
      }),
    });
    const withKey = (id: string) => `${sim.url}/v3/tts?generation_id=${id}&${q}`;
    // The key only in the submit URL's query.
    const refused = await failureOf(
      runVendorJob('audixa', job(`${sim.url}/v3/tts?${q}`, withKey, {}), options),
    );
    expect(refused.status).toBe(401);
    expect(refused.vendorMessage).toMatch(/rejected/);
    // The key in the submit's header, and in the poll's URL and headers.
    const lost = await failureOf(runVendorJob('audixa', job(`${sim.url}/v3/tts`, withKey), options));
    expect(lost.status).toBe(404);
    expect(lost.vendorMessage).toMatch(/no job for/);
    const closed = await startVendorSimulator({ vendor: 'audixa' });
    const deadUrl = `${closed.url}/v3/tts?${q}`;
    await closed.close();
    const unreachable = await failureOf(
      runVendorJob(
        'audixa',
        job(deadUrl, () => deadUrl),
        options,
      ),
    );
    expect(unreachable.status).toBeUndefined();
    const forever = await failureOf(
      runVendorJob(
        'audixa',
        job(`${sim.url}/v3/tts?${q}`, (id) => `${sim.url}/v3/tts?generation_id=${id}&${q}`),
        options,
      ),
    );
    expect(forever.message).toMatch(/polling deadline leaves/);
    expect(events.length).toBeGreaterThan(10);
    expect(events.every((e) => !JSON.stringify(e).includes(CANARY))).toBe(true);
  });

  it('sends every try with options.fetch, and a stream body once (a resend fails the job)', async () => {
    const { sim, options } = await rig('zenhire', [
      { kind: 'warm-up', durationMs: 1_000, retryAfterSeconds: 1, match: { endpoint: 'zenhire.submit' } },
    ]);
    const calls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      calls.push(input instanceof Request ? input.method : (init?.method ?? 'GET'));
      return fetch(input, init);
    };
    const streamed = zenhire(sim.url);
    const spec: FetchJobSpec = {
      ...streamed,
      submit: () => ({
        url: `${sim.url}/api/v1/speech/analyze`,
        init: {
          method: 'POST',
          headers: { 'x-api-key': CANARY },
          body: new Blob(['audio']).stream(),
          duplex: 'half',
        } as RequestInit,
      }),
    };
    const error = await failureOf(runVendorJob('zenhire', spec, { ...options, fetch: counting }));
    expect(error.message).toMatch(/stream that the first try consumed/);
    expect(calls).toEqual(['POST']);
    // The same job with a body fetch can send again goes through the warm-up.
    const result = await runVendorJob('zenhire', streamed, { ...options, fetch: counting });
    expect(result.body).toMatchObject({ status: 'success' });
    expect(calls.slice(1)).toEqual(['POST', 'POST', 'GET', 'GET']);
  });

  it("a job's result is read whole, however long (not cut at what the engine parses)", async () => {
    const words = Array.from({ length: 40_000 }, (_, i) => `word${i}`);
    const result = { id: 'job_1', status: 'success', result: { transcript: words.join(' ') } };
    expect(JSON.stringify(result).length).toBeGreaterThan(300_000);
    const replying = createServer((request, response) => {
      request.resume();
      const body =
        request.method === 'POST'
          ? JSON.stringify({ id: 'job_1', status: 'queued', pollIntervalSeconds: 1 })
          : JSON.stringify(result);
      response.writeHead(request.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
      response.end(body);
    });
    await new Promise<void>((resolve) => replying.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(replying.address() as AddressInfo).port}/api/v1/speech/analyze`;
    clock = createManualClock(START_MS, { autoAdvance: true });
    try {
      const spec: FetchJobSpec = {
        submit: () => ({ url, init: { method: 'POST', headers: { 'x-api-key': CANARY } } }),
        jobId: (body) => (body as { id?: string }).id,
        poll: (id) => ({ url: `${url}/${id}`, init: { headers: { 'x-api-key': CANARY } } }),
      };
      const done = await runVendorJob('zenhire', spec, { clock, pacing: false });
      expect(done.body).toEqual(result);
    } finally {
      replying.closeAllConnections();
      await new Promise((resolve) => replying.close(resolve));
    }
  });

  it('an error status whose body stalls after its headers is judged once the bounded wait for it is over', async () => {
    const stalling = createServer((request, response) => {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/json' });
      response.write('{"error":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/api/v1/speech/analyze`;
    const manual = createManualClock(START_MS);
    clock = manual;
    try {
      const spec: FetchJobSpec = {
        submit: () => ({ url, init: { method: 'POST', headers: { 'x-api-key': CANARY } } }),
        jobId: () => 'job_1',
        poll: () => ({ url }),
      };
      let settled = false;
      const job = failureOf(runVendorJob('zenhire', spec, { clock: manual, pacing: false })).finally(() => {
        settled = true;
      });
      while (manual.pendingWaits() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      manual.advance(1_999);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      manual.advance(1);
      const error = await job;
      expect(error.status).toBe(400);
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  it("the caller's signal ends a poll wait at once with its reason; deadlineMs refuses a wait it cannot hold", async () => {
    const { sim, options } = await rig('zenhire', []);
    const controller = new AbortController();
    const reason = new Error('the user left');
    const aborted = await runVendorJob('zenhire', zenhire(sim.url), {
      ...options,
      signal: controller.signal,
      // Told as the first poll's wait starts (the submit reply's pollIntervalSeconds).
      onDecision: (event) => {
        if (event.phase === 'poll') controller.abort(reason);
      },
    }).catch((e: unknown) => e);
    expect(aborted).toBe(reason);
    expect(seen(sim)).toEqual(['POST 202']);
    const late = await failureOf(
      runVendorJob('zenhire', zenhire(sim.url), { ...options, deadlineMs: 20_000 }),
    );
    expect(late.action).toBe('fail');
    expect(late.message).toMatch(/call's deadline leaves/);
    // The second job: submitted, polled once after 15 s, and no wait of 15 s more was started.
    expect(seen(sim).slice(1)).toEqual(['POST 202', 'GET 200']);
  });

  it('presetJob (fetch) builds fetch requests from the policy: method, URL, poll reuses the headers', () => {
    const submit = { headers: { 'x-api-key': 'k' }, body: '{"text":"t"}' };
    const audixa = presetJob('audixa', { submit });
    expect(audixa.submit(1)).toEqual({
      url: 'https://api.audixa.ai/v3/tts',
      init: { method: 'POST', ...submit },
    });
    expect(audixa.poll('gen 1')).toEqual({
      url: 'https://api.audixa.ai/v3/tts?generation_id=gen%201',
      init: { method: 'GET', headers: submit.headers },
    });
    expect(audixa.jobId({ generation_id: 'gen_1' })).toBe('gen_1');
    const breeze = presetJob('breeze', { submit: {}, voiceId: 'a b', baseUrl: 'http://127.0.0.1:9/' });
    expect(breeze.submit(1).url).toBe('http://127.0.0.1:9/v1/text-to-speech/a%20b');
    expect(breeze.poll('j').init).toEqual({ method: 'GET' });
    expect(() => presetJob('gradium' as never, { submit: {} })).toThrow(
      'presetJob(vendor): expected one of "audixa", "breeze", "zenhire"; got "gradium"',
    );
    expect(() => presetJob('breeze', { submit: {} })).toThrow(/presetJob\(init\.voiceId\)/);
  });

  it('checks its arguments up front', async () => {
    await expect(runVendorJob('zenhire', {} as never)).rejects.toThrow(
      /^runVendorJob\(spec\.submit\): expected a function/,
    );
    await expect(
      runVendorJob('zenhire', presetJob('zenhire', { submit: {} }), { fetch: 'no' as never }),
    ).rejects.toThrow(/^runVendorJob\(options\.fetch\)/);
  });
});
