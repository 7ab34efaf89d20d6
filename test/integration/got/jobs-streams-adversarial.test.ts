// Adversarial cases for the got entry's async jobs (runVendorJob, presetJob) and message streams
// (readVendorMessages): replies that never end, a vendor-wide concurrency limit across streams,
// credentials in errors (a request got refuses to build, a key a got hook adds), the vendor's words
// on a stream's error line. Each test failed on the code it was
// written against (see the commit that added it).
import { afterEach, describe, expect, it } from '@jest/globals';
import got from 'got';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { isVendorError } from '../../../lib/index.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  type DecisionEvent,
  type VendorJobSpec,
} from '../../../lib/adapters/got/index.js';
import {
  presetJob as presetFetchJob,
  runVendorJob as runFetchJob,
} from '../../../lib/adapters/fetch/index.js';
import { ERROR_BODY_WAIT_MS } from '../../../lib/run/body-head.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { loopbackResources } from './helpers/loopback.js';

const loopback = loopbackResources();

/** A loopback server that reads each request's body whole, then lets `answer` reply to it. */
function serveReadingBodies(
  answer: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<string> {
  return loopback.serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString()));
  });
}
afterEach(() => loopback.closeAll());

const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` has settled after `ms` of real time (a hang is seen as `false`, not as a test timeout). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await realDelay(ms);
  return settled;
}

/** A job on `url`: POST /submit answers the job id, GET /poll/<id> its state. */
const jobSpec = (url: string): VendorJobSpec => ({
  submit: () => ({ url: `${url}/submit`, options: { method: 'POST', json: {} } }),
  jobId: (body) => (body as { id?: string }).id,
  poll: (id) => ({ url: `${url}/poll/${id}` }),
});

const CANARY = 'zh_live_CANARY_0123456789abcdef';

/** Every view of an error a log or a crash report could print. */
function views(error: unknown): string[] {
  const out = [inspect(error, { depth: 10 }), JSON.stringify(error) ?? ''];
  if (error instanceof Error) out.push(error.message, error.stack ?? '');
  return out;
}

describe('runVendorJob (got): a reply that does not end', () => {
  it('an error reply whose body stalls after its headers is judged once ERROR_BODY_WAIT_MS has passed, and its connection closed', async () => {
    // Before the fix, got's promise settled only at the body's end: the job (and its pacer turn)
    // hung for as long as the vendor kept the connection open, unlike readVendorMessages and the
    // fetch entry's jobs, which judge what arrived after the same bounded wait.
    let requests = 0;
    let open = 0;
    const url = await loopback.serve((req, res) => {
      req.resume();
      requests++;
      open++;
      req.socket.once('close', () => open--);
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.write('the audio is not valid');
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const job = runVendorJob('zenhire', jobSpec(url), { clock, pacing: false });
      // The wait for the body is on the adapter's clock: it starts once the headers are in.
      while (requests === 0) await realDelay(5);
      await realDelay(50);
      clock.advance(ERROR_BODY_WAIT_MS - 1);
      expect(await settlesWithin(job, 50)).toBe(false);
      clock.advance(1);
      expect(await settlesWithin(job, 500)).toBe(true);
      const error = await job.catch((e: unknown) => e);
      expect(isVendorError(error)).toBe(true);
      if (!isVendorError(error)) return;
      expect(error.status).toBe(400);
      expect(error.action).toBe('fail');
      // What arrived before the stall is what the engine read.
      expect(error.vendorMessage).toBe('the audio is not valid');
      expect(requests).toBe(1);
      // The stalled reply's connection is not left open.
      for (let i = 0; i < 100 && open > 0; i++) await realDelay(5);
      expect(open).toBe(0);
    } finally {
      clock.dispose();
    }
  });
});

describe('credentials in the error of a request got refuses to build', () => {
  it('runVendorJob: a preset whose baseUrl got refuses throws without the x-api-key', async () => {
    // Before the fix, got's TypeError was passed on as it was: `util.inspect` printed its
    // `options`, whose headers carry the key.
    const job = presetJob('zenhire', {
      baseUrl: 'http://127.0.0.1:99999',
      submit: { headers: { 'x-api-key': CANARY }, json: {} },
    });
    const error = await runVendorJob('zenhire', job, { pacing: false }).catch((e: unknown) => e);
    // got's refusal as got raises it: got 14's TypeError (ERR_INVALID_URL); got 15 and 16 raise an
    // Error for the same URL (of the module realm, hence no instanceof here). Either way, no key.
    expect(['TypeError', 'Error']).toContain((error as Error).name);
    expect(String((error as Error).message)).toMatch(/invalid url/i);
    for (const view of views(error)) expect(view).not.toContain(CANARY);
  });

  it('readVendorMessages: a URL got refuses throws without its api_key or the header key', async () => {
    // Before the fix: its `input` (the URL, api_key included) and its options' headers were printed.
    const reading = readVendorMessages(
      'gradium',
      `http://127.0.0.1:99999/api/post/speech/asr?api_key=${CANARY}`,
      { pacing: false, request: { method: 'POST', body: 'x', headers: { 'x-api-key': CANARY } } },
    );
    const error = await reading.next().catch((e: unknown) => e);
    expect(['TypeError', 'Error']).toContain((error as Error).name);
    expect(String((error as Error).message)).toMatch(/invalid url/i);
    for (const view of views(error)) expect(view).not.toContain(CANARY);
  });
});

describe("credentials a got instance's beforeRequest hook adds", () => {
  // got's instance hooks run on every request of a job and every try of a stream (the `got`
  // option): a hook that signs requests (a token refresh) sets a key the request's options did not
  // carry. The got client scrubs such a key from its errors (got-call's beforeRequest); before the
  // fix, a job or a stream did not know it, and the vendor's echo of it reached `vendorMessage`.
  const signed = got.extend({
    hooks: {
      beforeRequest: [
        (options) => {
          options.headers['x-api-key'] = CANARY;
        },
      ],
    },
  });

  it('runVendorJob: the key is not in the error when the vendor echoes it', async () => {
    const url = await loopback.serve((req, res) => {
      req.resume();
      const key = String(req.headers['x-api-key']);
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { code: 'INVALID_API_KEY', message: `key ${key} is not recognised`, timestamp: 't' },
        }),
      );
    });
    const time = fakeTime();
    const error = await runVendorJob('zenhire', jobSpec(url), { clock: time.clock, got: signed }).catch(
      (e: unknown) => e,
    );
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.code).toBe('INVALID_API_KEY');
    expect(error.vendorMessage).toBe('key [REDACTED] is not recognised');
    for (const view of views(error)) expect(view).not.toContain(CANARY);
  });

  it('readVendorMessages: the key is not in the error when the vendor echoes it', async () => {
    const url = await loopback.serve((req, res) => {
      req.resume();
      const key = String(req.headers['x-api-key']);
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`error from server 1008: API key ${key} is revoked`);
    });
    const time = fakeTime();
    let error: unknown;
    try {
      for await (const message of readVendorMessages('gradium', `${url}/api/post/speech/asr`, {
        clock: time.clock,
        got: signed,
        request: { method: 'POST', body: 'RIFF' },
      })) {
        void message;
      }
    } catch (caught) {
      error = caught;
    }
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.vendorMessage).toBe('API key [REDACTED] is revoked');
    for (const view of views(error)) expect(view).not.toContain(CANARY);
  });
});

describe("readVendorMessages: the vendor's words on an error line", () => {
  it("the error an error line ends the call with carries the line's message as vendorMessage", async () => {
    // Before the fix, a failure decided on a stream line carried no vendorMessage, though the
    // engine reads the line's message (as it does for an error status's body, which the same
    // call's pre-stream failures carry).
    const url = await loopback.serve((req, res) => {
      req.resume();
      res
        .writeHead(200, { 'content-type': 'application/x-ndjson' })
        .end('{"type":"text","text":"a"}\n{"type":"error","message":"transcription pipeline failed"}\n');
    });
    const time = fakeTime();
    const messages: unknown[] = [];
    let error: unknown;
    try {
      for await (const message of readVendorMessages('gradium', `${url}/api/post/speech/asr`, {
        clock: time.clock,
        request: { method: 'POST', body: 'RIFF' },
      })) {
        messages.push(message);
      }
    } catch (caught) {
      error = caught;
    }
    expect(messages).toEqual([{ type: 'text', text: 'a' }]);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.partialOutput).toEqual(messages);
    expect(error.vendorMessage).toBe('transcription pipeline failed');
  });
});

describe("runVendorJob (got): the vendor's words on a job that failed at once", () => {
  it('a submit reply that already says the job failed ends the job with its message as vendorMessage', async () => {
    // Before the fix, the loop's own failure for the submit reply's `fail` carried no vendorMessage,
    // unlike the same failure read from a poll reply (its try's judge adds the vendor's words).
    const url = await loopback.serve((req, res) => {
      req.resume();
      res.writeHead(202, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'j1',
          status: 'failed',
          error: { code: 'TRANSCRIPTION_LOW_CONFIDENCE', message: 'the language could not be identified' },
        }),
      );
    });
    const time = fakeTime();
    const error = await runVendorJob('zenhire', jobSpec(url), { clock: time.clock }).catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.code).toBe('TRANSCRIPTION_LOW_CONFIDENCE');
    expect(error.requestId).toBe('j1');
    expect(error.vendorMessage).toBe('the language could not be identified');
  });
});

describe('runVendorJob (got): a submit whose body is a stream is sent once', () => {
  it('a retryable submit reply does not resend the consumed stream (an empty body) as a new job', async () => {
    // Before the fix, the got job transport said nothing of its body (no cannotResend): after a
    // 503 warm-up the submit was resent with the stream the first try had consumed, so the vendor
    // received an empty POST and the job "succeeded" on it. The got client, readVendorMessages and
    // the fetch entry's jobs all refuse to resend a consumed stream body.
    const bodies: string[] = [];
    const url = await serveReadingBodies((req, res, body) => {
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"j1","status":"success"}');
        return;
      }
      bodies.push(body);
      if (bodies.length > 1) {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"j1","status":"queued"}');
        return;
      }
      const warming = { code: 'SERVICE_WARMING_UP', message: 'w', timestamp: 't', retryAfterSeconds: 30 };
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
        .end(JSON.stringify({ error: warming }));
    });
    const time = fakeTime();
    const audio = Readable.from([Buffer.from('RIFF-audio-bytes')]);
    const spec: VendorJobSpec = {
      ...jobSpec(url),
      submit: () => ({ url: `${url}/submit`, options: { method: 'POST', body: audio } }),
    };
    const error = await runVendorJob('zenhire', spec, { clock: time.clock, pacing: false }).catch(
      (e: unknown) => e,
    );
    expect(bodies).toEqual(['RIFF-audio-bytes']);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.status).toBe(503);
    expect(error.action).toBe('fail');
    expect(error.message).toMatch(/stream/);
    expect(time.waits).toEqual([]);
  });
});

describe('runVendorJob (got): a resubmit of a preset whose submit body is a stream', () => {
  it('ends the job with a VendorError saying the stream was consumed, after one submission', async () => {
    // presetJob reuses `init.submit` for every submission: after a `resubmit` decision, got
    // refused the consumed stream with its own assertion TypeError ("Expected value which is
    // `truthy`…"), which ended the job as it was: no VendorError, no job id, no word of the
    // resubmit. The job should end with the resubmit refused, saying why (a spec's submit(n) may
    // hand a fresh stream per submission, which can be sent).
    const bodies: string[] = [];
    const url = await serveReadingBodies((req, res, body) => {
      if (req.method === 'POST') {
        bodies.push(body);
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: `j${bodies.length}`, status: 'queued' }));
        return;
      }
      const failed = { code: 'TRANSCRIPTION_FAILED', message: 'audio' };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'j1', status: 'failed', error: failed }));
    });
    const time = fakeTime();
    const job = presetJob('zenhire', {
      baseUrl: url,
      submit: { body: Readable.from([Buffer.from('RIFF-audio-bytes')]) },
    });
    const error = await runVendorJob('zenhire', job, { clock: time.clock, pacing: false }).catch(
      (e: unknown) => e,
    );
    expect(bodies).toEqual(['RIFF-audio-bytes']);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.code).toBe('TRANSCRIPTION_FAILED');
    expect(error.action).toBe('fail');
    expect(error.requestId).toBe('j1');
    expect(error.message).toMatch(/stream/);
  });
});

describe('readVendorMessages: a request whose body is a stream is sent once', () => {
  it('a retryable error status before the stream does not resend the consumed body (an empty one)', async () => {
    // Before the fix, only an error line checked for a stream body: runTries resent the request
    // after a retryable status (Gradium's 500 "error from server 1011") with the stream the first
    // try had consumed, so the vendor got an empty upload and its answer was handed out.
    const bodies: string[] = [];
    const url = await serveReadingBodies((req, res, body) => {
      bodies.push(body);
      if (bodies.length === 1) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('error from server 1011: internal error');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"type":"text","text":""}\n');
    });
    const time = fakeTime();
    const messages: unknown[] = [];
    let error: unknown;
    try {
      for await (const message of readVendorMessages('gradium', `${url}/api/post/speech/asr`, {
        clock: time.clock,
        pacing: false,
        request: { method: 'POST', body: Readable.from([Buffer.from('RIFF-audio-bytes')]) },
      })) {
        messages.push(message);
      }
    } catch (caught) {
      error = caught;
    }
    expect(bodies).toEqual(['RIFF-audio-bytes']);
    expect(messages).toEqual([]);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/stream/);
  });
});

describe('runVendorJob (got): a job the deadline ends keeps its job id', () => {
  // A job that is still running at the vendor when the client gives up is what a caller resumes
  // or cancels by its id. Before the fix, a wait refused at a deadline built its error from the
  // wait's context, which had no job id: `requestId` was undefined.
  const generating = (url: string): VendorJobSpec => ({
    submit: () => ({ url: `${url}/submit`, options: { method: 'POST', json: {} } }),
    jobId: (body) => (body as { generation_id?: string }).generation_id,
    poll: (id) => ({ url: `${url}/poll?generation_id=${id}` }),
  });
  const serveGenerating = () =>
    loopback.serve((req, res) => {
      req.resume();
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          generation_id: 'gen_1',
          status: req.method === 'POST' ? 'IN_QUEUE' : 'GENERATING',
        }),
      );
    });

  it("at the policy's polling deadline", async () => {
    const url = await serveGenerating();
    const time = fakeTime();
    const error = await runVendorJob('audixa', generating(url), { clock: time.clock, pacing: false }).catch(
      (e: unknown) => e,
    );
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.message).toMatch(/polling deadline leaves/);
    expect(error.requestId).toBe('gen_1');
  });

  it('when deadlineMs passes while a poll is in flight', async () => {
    let polls = 0;
    const url = await loopback.serve((req, res) => {
      req.resume();
      if (req.method === 'POST') {
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ generation_id: 'gen_1', status: 'IN_QUEUE' }));
        return;
      }
      polls++; // never answered
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    try {
      const job = runVendorJob('audixa', generating(url), { clock, pacing: false, deadlineMs: 60_000 });
      job.catch(() => undefined);
      // The first poll waits 1–2 s on the clock, then hangs on the wire until the deadline.
      while (polls === 0) {
        clock.advance(500);
        await realDelay(5);
      }
      clock.advance(60_000);
      const error = await job.catch((e: unknown) => e);
      expect(isVendorError(error)).toBe(true);
      if (!isVendorError(error)) return;
      expect(error.category).toBe('deadline_exceeded');
      expect(error.requestId).toBe('gen_1');
    } finally {
      clock.dispose();
    }
  });

  it("at the call's deadlineMs", async () => {
    const url = await serveGenerating();
    const time = fakeTime();
    const error = await runVendorJob('audixa', generating(url), {
      clock: time.clock,
      pacing: false,
      deadlineMs: 10_000,
    }).catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.message).toMatch(/deadline leaves/);
    expect(error.requestId).toBe('gen_1');
  });
});

describe("runVendorJob: the job's result", () => {
  it('is the whole final reply, however long (not cut at what the engine parses)', async () => {
    const words = Array.from({ length: 40_000 }, (_, i) => `word${i}`);
    const result = { id: 'job_1', status: 'success', result: { transcript: words.join(' ') } };
    expect(JSON.stringify(result).length).toBeGreaterThan(300_000);
    const url = await loopback.serve((req, res) => {
      req.resume();
      const submit = req.method === 'POST';
      res.writeHead(submit ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(submit ? { id: 'job_1', status: 'queued', pollIntervalSeconds: 1 } : result));
    });
    const clock = createManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true });
    try {
      const done = await runVendorJob('zenhire', jobSpec(url), { clock, pacing: false });
      expect(done.body).toEqual(result);
    } finally {
      clock.dispose();
    }
  });
});

describe('runVendorJob: onDecision reports the decision the job really acted on', () => {
  // A `resubmit` or `poll` read from a poll reply was reported as soon as it was judged. When the
  // job then could not carry it out (the fresh submission's stream was consumed, the wait did not
  // fit the polling deadline), onDecision had seen a decision that never happened, and the `fail`
  // the job ended with was never reported.
  const actions = (events: DecisionEvent[]) => events.map((e) => `${e.phase}:${e.decision.action}`);

  it('a resubmit refused because the stream body was consumed is reported as the fail', async () => {
    const url = await serveReadingBodies((req, res) => {
      const failed = { id: 'j1', status: 'failed', error: { code: 'TRANSCRIPTION_FAILED', message: 'x' } };
      res
        .writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(req.method === 'POST' ? { id: 'j1', status: 'queued' } : failed));
    });
    const events: DecisionEvent[] = [];
    const job = presetJob('zenhire', {
      baseUrl: url,
      submit: { body: Readable.from([Buffer.from('RIFF-audio-bytes')]) },
    });
    const error = await runVendorJob('zenhire', job, {
      clock: fakeTime().clock,
      pacing: false,
      onDecision: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(isVendorError(error)).toBe(true);
    if (!isVendorError(error)) return;
    expect(error.message).toMatch(/stream/);
    expect(actions(events)).toEqual(['submit:ok', 'poll:poll', 'poll:fail']);
    expect(events.at(-1)?.decision.reason).toBe(error.decision.reason);
  });

  it.each([
    ['got', runVendorJob],
    ['fetch', runFetchJob],
  ] as const)(
    "%s: a poll wait the policy's polling deadline refuses is reported as the fail",
    async (_, run) => {
      const url = await loopback.serve((req, res) => {
        req.resume();
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            generation_id: 'gen_1',
            status: req.method === 'POST' ? 'IN_QUEUE' : 'GENERATING',
          }),
        );
      });
      const events: DecisionEvent[] = [];
      const spec = {
        submit: () => ({ url: `${url}/submit`, options: { method: 'POST' as const, json: {} } }),
        jobId: (body: unknown) => (body as { generation_id?: string }).generation_id,
        poll: (id: string) => ({ url: `${url}/poll?generation_id=${id}` }),
      };
      const fetchSpec = {
        submit: () => ({ url: `${url}/submit`, init: { method: 'POST', body: '{}' } }),
        jobId: spec.jobId,
        poll: (id: string) => ({ url: `${url}/poll?generation_id=${id}` }),
      };
      const options = {
        clock: fakeTime().clock,
        pacing: false as const,
        onDecision: (e: DecisionEvent) => void events.push(e),
      };
      const error = await (
        run === runVendorJob
          ? runVendorJob('audixa', spec, options)
          : runFetchJob('audixa', fetchSpec, options)
      ).catch((e: unknown) => e);
      expect(isVendorError(error)).toBe(true);
      if (!isVendorError(error)) return;
      expect(error.message).toMatch(/polling deadline leaves/);
      const last = events.at(-1);
      expect(last?.decision.action).toBe('fail');
      expect(last?.decision.reason).toBe(error.decision.reason);
    },
  );
});

describe("presetJob: the vendor's job id is one segment of the poll URL", () => {
  // The preset put the submit reply's id into the poll path: an id that is a dot segment (`..`)
  // moved the poll up the vendor's path tree (the URL parser resolves it, encoded or not). Such
  // an id cannot be a segment: the job ends saying the reply has no job id to poll.
  const ids = ['../../admin', 'a/b?x=1', 'x#frag', '..', '.', '%2e%2e', 'a b'];

  it.each(['got', 'fetch'] as const)(
    '%s: an id with slashes, a query, a fragment or dots polls under the job path, or the job fails',
    async (transport) => {
      const polled: string[] = [];
      const url = await loopback.serve((req, res) => {
        req.resume();
        if (req.method === 'POST') {
          const id = decodeURIComponent(new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '');
          res
            .writeHead(202, { 'content-type': 'application/json' })
            .end(JSON.stringify({ id, status: 'queued' }));
          return;
        }
        polled.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success' }));
      });
      for (const id of ids) {
        const baseUrl = `${url}/tenant`;
        const submitUrl = `${url}/tenant/api/v1/speech/analyze?id=${encodeURIComponent(id)}`;
        const outcome =
          transport === 'got'
            ? await runVendorJob(
                'zenhire',
                {
                  ...presetJob('zenhire', { baseUrl, submit: {} }),
                  submit: () => ({ url: submitUrl, options: { method: 'POST' } }),
                },
                { clock: fakeTime().clock, pacing: false },
              ).catch((e: unknown) => e)
            : await runFetchJob(
                'zenhire',
                {
                  ...presetFetchJob('zenhire', { baseUrl, submit: {} }),
                  submit: () => ({ url: submitUrl, init: { method: 'POST' } }),
                },
                { clock: fakeTime().clock, pacing: false },
              ).catch((e: unknown) => e);
        const poll = polled.splice(0).join(' ') || undefined;
        if (poll === undefined) {
          // Not polled: the job ended with the vendor error that says why.
          expect({ id, vendorError: isVendorError(outcome) }).toEqual({ id, vendorError: true });
          expect((outcome as Error).message).toMatch(/job id/);
          continue;
        }
        expect({ id, poll }).toEqual({ id, poll: `/tenant/api/v1/speech/analyze/${encodeURIComponent(id)}` });
      }
    },
  );
});

describe('a submit reply that is no job (no job id to poll)', () => {
  // Breeze asked without `delivery: 'async'` answers with the audio itself: the job ends, and its
  // error said `category: 'ok'` (the submit decision's), which reads as a success to code that
  // branches on the category.
  it.each(['got', 'fetch'] as const)(
    '%s: the job fails as an invalid request, not as "ok"',
    async (transport) => {
      const url = await loopback.serve((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(Buffer.from([0xff, 0xfb, 0x90, 0x00]));
      });
      const baseUrl = `${url}/tenant`;
      const outcome =
        transport === 'got'
          ? await runVendorJob('zenhire', presetJob('zenhire', { baseUrl, submit: {} }), {
              clock: fakeTime().clock,
              pacing: false,
            }).catch((e: unknown) => e)
          : await runFetchJob('zenhire', presetFetchJob('zenhire', { baseUrl, submit: {} }), {
              clock: fakeTime().clock,
              pacing: false,
            }).catch((e: unknown) => e);
      if (!isVendorError(outcome)) throw new Error(`expected a VendorError, got ${String(outcome)}`);
      expect(outcome.decision.action).toBe('fail');
      expect(outcome.category).toBe('invalid_request');
      expect(outcome.message).toMatch(/no job id to poll/);
    },
  );
});
