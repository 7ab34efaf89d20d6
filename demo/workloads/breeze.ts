import { presetJob } from '../../lib/adapters/got/job-presets.js';
import type { ScenarioCall, VendorWorkload } from '../scenario.js';

const API_KEY = 'brz_demo_key';
const VOICE_ID = 'demo_voice';
const TEXT = 'Your order has shipped and will arrive on Thursday.';

/** Synchronous text-to-speech: the audio comes back in the response. */
async function speak(call: ScenarioCall): Promise<string> {
  const audio = await call.client.http
    .post(`${call.baseUrl}/v1/text-to-speech/${VOICE_ID}`, {
      headers: call.headers,
      json: { text: TEXT, output_format: 'mp3' },
    })
    .buffer();
  return `${audio.length} bytes of audio`;
}

/** Async text-to-speech, audio fetched right away: Breeze answers 425 GENERATION_NOT_READY while the job is active. */
async function speakAsync(call: ScenarioCall): Promise<string> {
  // The job's submit request and where its reply carries the id, as Breeze's policy gives them.
  const job = presetJob('breeze', {
    baseUrl: call.baseUrl,
    voiceId: VOICE_ID,
    submit: { headers: call.headers, json: { text: TEXT, output_format: 'mp3', delivery: 'async' } },
  });
  const submit = job.submit(1);
  const submitted = await call.client.http(submit.url, {
    ...submit.options,
    resolveBodyOnly: true,
    responseType: 'json',
  });
  const jobId = job.jobId(submitted) ?? '';
  const audio = await call.client.http
    .get(`${call.baseUrl}/v1/generation-jobs/${encodeURIComponent(jobId)}/audio`, { headers: call.headers })
    .buffer();
  return `${audio.length} bytes of audio`;
}

/** Breeze: same status 502 with opposite meanings, "not ready" that is not a failure, a busy plan, a cut download. */
export const breezeWorkload: VendorWorkload = {
  vendor: 'breeze',
  apiKey: API_KEY,
  credentialHeaders: { 'xi-api-key': API_KEY },
  scenarios: [
    {
      id: 'upstream-error',
      title: 'TTS: 2× 502 UPSTREAM_GENERATION_ERROR (documented: retry)',
      faults: [
        { kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 2, match: { endpoint: 'breeze.tts' } },
      ],
      quick: true,
      run: speak,
    },
    {
      id: 'service-error',
      title: 'TTS: 502 UPSTREAM_GENERATION_SERVICE_ERROR (documented: do not retry)',
      faults: [
        {
          kind: 'error',
          code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
          times: 1,
          match: { endpoint: 'breeze.tts' },
        },
      ],
      quick: true,
      run: speak,
    },
    {
      id: 'not-ready',
      title: 'async TTS, audio fetched at once: 425 GENERATION_NOT_READY + Retry-After 1 s while active',
      faults: [],
      quick: true,
      run: speakAsync,
    },
    {
      id: 'concurrency',
      title: "TTS while the plan's slots are busy: 4× 429 GENERATION_CONCURRENCY_EXCEEDED",
      faults: [
        {
          kind: 'error',
          code: 'GENERATION_CONCURRENCY_EXCEEDED',
          times: 4,
          match: { endpoint: 'breeze.tts' },
        },
      ],
      quick: false,
      run: speak,
    },
    {
      id: 'cut-response',
      title: 'TTS: connection cut halfway through the audio (the generation already ran and was billed)',
      faults: [{ kind: 'drop', when: 'mid-response', times: 1, match: { endpoint: 'breeze.tts' } }],
      quick: false,
      run: speak,
    },
  ],
};
