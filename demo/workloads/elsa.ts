import type { ScenarioCall, VendorWorkload } from '../scenario.js';
import { fakeAudio, multipart } from './payloads.js';

const API_KEY = 'elsa_demo_token';
const SENTENCE = 'I would like a cup of coffee';

/** Scripted pronunciation scoring over REST (multipart audio + sentence). */
async function score(call: ScenarioCall): Promise<string> {
  const form = multipart([
    { name: 'audio_file', filename: 'speech.wav', contentType: 'audio/wav', data: fakeAudio(16_000) },
    { name: 'sentence', value: SENTENCE },
  ]);
  await call.client.http
    .post(`${call.baseUrl}/api/v2/score_audio`, {
      headers: { ...call.headers, 'content-type': form.contentType },
      body: form.body,
    })
    .json();
  return 'scored';
}

/** Scripted scoring over WebSocket: start_stream, audio, end_stream → decoding_result. */
async function scoreLive(call: ScenarioCall): Promise<string> {
  await call.client.runSession({
    url: `${call.wsUrl}/api/v2/ws/score_audio`,
    headers: call.headers,
    setup: { type: 'ELSA:start_stream', data: { stream_info: { sentence: SENTENCE } } },
    readyType: 'ELSA:start_stream_result',
    messages: [fakeAudio(3_200), JSON.stringify({ type: 'ELSA:end_stream' })],
    resultType: 'ELSA:decoding_result',
  });
  return 'scored';
}

/**
 * ELSA: only the message tells a retryable ASR timeout from undecodable audio. ELSA documents no
 * WebSocket close codes, so the demo's ELSA closes after every error with 1011.
 */
export const elsaWorkload: VendorWorkload = {
  vendor: 'elsa',
  apiKey: API_KEY,
  credentialHeaders: { authorization: `ELSA ${API_KEY}` },
  scenarios: [
    {
      id: 'asr-timeout',
      title: 'score: 2× "ASR timeout" (retry)',
      faults: [
        { kind: 'error', code: 'ASRSocketTimeout', times: 2, match: { endpoint: 'elsa.score-audio' } },
      ],
      quick: true,
      run: score,
    },
    {
      id: 'decode-failed',
      title: 'score: "Failed to decode audio" (fatal)',
      faults: [
        {
          kind: 'error',
          code: 'FailedToDecodeAudioFromBytes',
          times: 1,
          match: { endpoint: 'elsa.score-audio' },
        },
      ],
      quick: false,
      run: score,
    },
    {
      id: 'ws-asr-timeout',
      title: 'WS score: ELSA:error "ASR timeout" + close 1011',
      faults: [
        {
          kind: 'ws-error',
          afterMessages: 2,
          closeCode: 1011,
          message: 'ASR timeout',
          times: 1,
          match: { endpoint: 'elsa.ws-score-audio' },
        },
      ],
      quick: false,
      run: scoreLive,
    },
    {
      id: 'ws-decode-failed',
      title: 'WS score: ELSA:error "Failed to decode audio" + close 1011',
      faults: [
        {
          kind: 'ws-error',
          afterMessages: 2,
          closeCode: 1011,
          message: 'Failed to decode audio',
          times: 1,
          match: { endpoint: 'elsa.ws-score-audio' },
        },
      ],
      quick: true,
      run: scoreLive,
    },
  ],
};
