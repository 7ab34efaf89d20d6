import type { ScenarioCall, VendorWorkload } from '../scenario.js';
import { fakeAudio, multipart, stringField } from './payloads.js';

const API_KEY = 'zh_demo_key';

/** Submits a speech analysis (202 + run id) and polls the run to its end, as ZenHire documents (docs/vendor-docs/VENDORS.md §4). */
async function analyze(call: ScenarioCall): Promise<string> {
  const form = multipart([
    { name: 'audio', filename: 'answer.wav', contentType: 'audio/wav', data: fakeAudio(8_000) },
    { name: 'language', value: 'en' },
  ]);
  const run = await call.client.runJob('zenhire', {
    baseUrl: call.baseUrl,
    submit: { headers: { ...call.headers, 'content-type': form.contentType }, body: form.body },
  });
  return `run ${stringField(run, 'status') ?? '?'}`;
}

/** ZenHire: a warm-up after a deploy, a rate-limit burst from a batch, a second poller on the same run. */
export const zenhireWorkload: VendorWorkload = {
  vendor: 'zenhire',
  apiKey: API_KEY,
  credentialHeaders: { 'x-api-key': API_KEY },
  scenarios: [
    {
      id: 'warm-up',
      title: 'analysis during a deploy: 503 SERVICE_WARMING_UP (Retry-After 30 s) for 5 min',
      faults: [
        {
          kind: 'warm-up',
          durationMs: 300_000,
          retryAfterSeconds: 30,
          match: { endpoint: 'zenhire.submit' },
        },
      ],
      quick: true,
      run: analyze,
    },
    {
      id: 'rate-limit',
      title: '6 analyses at once, 2 allowed then 1 per 20 s: 429 RATE_LIMIT_EXCEEDED + Retry-After',
      faults: [
        { kind: 'rate-limit', tokensPerSecond: 0.05, burst: 2, match: { endpoint: 'zenhire.submit' } },
      ],
      copies: 6,
      quick: false,
      run: analyze,
    },
    {
      id: 'poll-rate-limited',
      title: 'a second poller on the same run: 4× 429 POLL_RATE_LIMITED (Retry-After 10 s)',
      faults: [
        {
          kind: 'error',
          code: 'POLL_RATE_LIMITED',
          retryAfterSeconds: 10,
          times: 4,
          match: { endpoint: 'zenhire.poll' },
        },
      ],
      quick: true,
      run: analyze,
    },
  ],
};
