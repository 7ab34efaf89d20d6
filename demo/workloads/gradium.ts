import type { ScenarioCall, VendorWorkload } from '../scenario.js';
import { fakeAudio, stringField } from './payloads.js';

const API_KEY = 'gd_demo_key';
const VOICE_ID = 'YTpq7expH9539ERJ';
const TEXT = 'Welcome back. You have three new messages.';

/** REST text-to-speech returning raw audio (`only_audio: true`). */
async function speak(call: ScenarioCall): Promise<string> {
  const audio = await call.client.http
    .post(`${call.baseUrl}/api/post/speech/tts`, {
      headers: call.headers,
      json: { text: TEXT, voice_id: VOICE_ID, output_format: 'wav', only_audio: true },
    })
    .buffer();
  return `${audio.length} bytes of audio`;
}

/** REST speech-to-text: an NDJSON stream of transcript messages. */
async function transcribe(call: ScenarioCall): Promise<string> {
  const messages = await call.client.readMessages(`${call.baseUrl}/api/post/speech/asr`, {
    method: 'POST',
    headers: { ...call.headers, 'content-type': 'audio/wav' },
    body: fakeAudio(16_000),
  });
  const words = messages.map((m) => stringField(m, 'text')).filter((w) => w !== undefined);
  return `transcript "${words.join(' ')}"`;
}

/** REST text-to-speech as an NDJSON stream of text and audio messages. */
async function speakStreamed(call: ScenarioCall): Promise<string> {
  const messages = await call.client.readMessages(`${call.baseUrl}/api/post/speech/tts`, {
    method: 'POST',
    headers: call.headers,
    json: { text: TEXT, voice_id: VOICE_ID, output_format: 'pcm', only_audio: false },
  });
  return `${messages.length} messages`;
}

/** WebSocket text-to-speech: setup, `ready`, text, `end_of_stream`. */
async function speakLive(call: ScenarioCall): Promise<string> {
  await call.client.runSession({
    url: `${call.wsUrl}/api/speech/tts`,
    headers: call.headers,
    setup: { type: 'setup', model_name: 'default', voice_id: VOICE_ID, output_format: 'pcm' },
    readyType: 'ready',
    messages: [JSON.stringify({ type: 'text', text: TEXT }), JSON.stringify({ type: 'end_of_stream' })],
    resultType: 'end_of_stream',
  });
  return 'session ended with end_of_stream';
}

/** Gradium: every REST error is HTTP 500 (only the body says 1011 or 1008), errors inside a 200 stream, WS closes. */
export const gradiumWorkload: VendorWorkload = {
  vendor: 'gradium',
  apiKey: API_KEY,
  credentialHeaders: { 'x-api-key': API_KEY },
  scenarios: [
    {
      id: 'rest-1011',
      title: 'TTS: 2× HTTP 500 "error from server 1011" (internal error: retry)',
      faults: [{ kind: 'error', code: '1011', times: 2, match: { endpoint: 'gradium.tts' } }],
      quick: true,
      run: speak,
    },
    {
      id: 'rest-1008',
      title: 'TTS: HTTP 500 "error from server 1008: API key is revoked or expired" (fatal)',
      faults: [{ kind: 'error', code: '1008', times: 1, match: { endpoint: 'gradium.tts' } }],
      quick: true,
      run: speak,
    },
    {
      id: 'asr-error-line',
      title: 'STT stream: HTTP 200, then an NDJSON error line before any transcript',
      faults: [
        {
          kind: 'stream-error',
          afterLines: 0,
          message: 'worker lost',
          times: 1,
          match: { endpoint: 'gradium.asr' },
        },
      ],
      quick: true,
      run: transcribe,
    },
    {
      id: 'tts-error-mid-stream',
      title: 'TTS stream: an NDJSON error line after 4 messages were delivered',
      faults: [
        {
          kind: 'stream-error',
          afterLines: 4,
          message: 'worker lost',
          times: 1,
          match: { endpoint: 'gradium.tts' },
        },
      ],
      quick: false,
      run: speakStreamed,
    },
    {
      id: 'ws-1011',
      title: 'WS TTS: error message + close 1011 after 3 messages',
      faults: [
        {
          kind: 'ws-error',
          afterMessages: 3,
          closeCode: 1011,
          times: 1,
          match: { endpoint: 'gradium.ws-tts' },
        },
      ],
      quick: false,
      run: speakLive,
    },
    {
      id: 'ws-1008',
      title: 'WS TTS: error message + close 1008 "API key is revoked or expired" on connect',
      faults: [
        {
          kind: 'ws-error',
          afterMessages: 0,
          closeCode: 1008,
          message: 'API key is revoked or expired',
          times: 1,
          match: { endpoint: 'gradium.ws-tts' },
        },
      ],
      quick: false,
      run: speakLive,
    },
  ],
};
