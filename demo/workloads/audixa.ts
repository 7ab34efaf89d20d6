import type { ScenarioCall, VendorWorkload } from '../scenario.js';
import { stringField } from './payloads.js';

const API_KEY = 'ax_demo_key';
const TEXT = 'The meeting moved to three o clock.';
const REQUEST = { text: TEXT, voice_id: 'am_ethan', model: 'base' };

/** Async TTS: create a generation, poll it to COMPLETED (docs/vendor-docs/VENDORS.md §3). */
async function generate(call: ScenarioCall): Promise<string> {
  const generation = await call.client.runJob('audixa', {
    baseUrl: call.baseUrl,
    submit: { headers: call.headers, json: REQUEST },
  });
  return `generation ${stringField(generation, 'status') ?? '?'}`;
}

/** Streaming TTS over WebSocket: one request message, `started`, audio chunks, `completed`. */
async function stream(call: ScenarioCall): Promise<string> {
  await call.client.runSession({
    url: `${call.wsUrl}/v3/tts/stream?api_key=${API_KEY}`,
    headers: call.headers,
    setup: { ...REQUEST, audio_format: 'wav' },
    messages: [],
    resultType: 'completed',
  });
  return 'stream completed';
}

/** Audixa: a 429 whose wait is only in the message text, a generation that fails once, a WS 1011. */
export const audixaWorkload: VendorWorkload = {
  vendor: 'audixa',
  apiKey: API_KEY,
  credentialHeaders: { 'x-api-key': API_KEY },
  scenarios: [
    {
      id: 'rate-limit',
      title: '3 generations at once, 1 per 10 s: 429 "Please retry after N seconds." (no Retry-After header)',
      faults: [
        {
          kind: 'rate-limit',
          tokensPerSecond: 0.1,
          burst: 1,
          sendRetryAfterHeader: false,
          match: { endpoint: 'audixa.create' },
        },
      ],
      copies: 3,
      quick: true,
      run: generate,
    },
    {
      id: 'job-failed',
      title: 'the generation ends FAILED once; a fresh one succeeds',
      faults: [
        {
          kind: 'job-failure',
          message: 'Generation failed: voice model worker restarted',
          times: 1,
          match: { endpoint: 'audixa.create' },
        },
      ],
      quick: true,
      run: generate,
    },
    {
      id: 'ws-1011',
      title: 'WS stream: error message + close 1011 after 3 messages',
      faults: [
        {
          kind: 'ws-error',
          afterMessages: 3,
          closeCode: 1011,
          times: 1,
          match: { endpoint: 'audixa.ws-stream' },
        },
      ],
      quick: false,
      run: stream,
    },
  ],
};
