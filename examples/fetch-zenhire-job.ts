/**
 * ZenHire speech analysis with fetch: the same job as http-zenhire-job, through
 * `vendor-resilience/fetch` (no got). Submit once, then poll the same run on the server's schedule
 * (`pollIntervalSeconds`, Retry-After, never faster than the documented 10 s minimum). A 503
 * SERVICE_WARMING_UP on submit waits as long as asked and submits again; a 429
 * POLL_RATE_LIMITED keeps polling the same run, later; a bad key fails at once with a VendorError
 * that never shows the key. Prints each decision to stderr and the result as JSON.
 *
 * Against the simulator (a warm-up 503, a POLL_RATE_LIMITED, one `processing` poll; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs fetch-zenhire-job
 * Against ZenHire:
 *   ZENHIRE_API_KEY=zh_... node scripts/run-example.mjs fetch-zenhire-job --no-simulator /path/to/interview.mp3
 *
 * ZENHIRE_BASE_URL overrides the API origin (the policy's by default).
 */
import { readFile } from 'node:fs/promises';
import { presetJob, runVendorJob } from 'vendor-resilience/fetch';

const baseUrl = process.env['ZENHIRE_BASE_URL'];

const form = new FormData();
form.set('language', 'en');
form.set('externalId', 'candidate-42');
form.set('audio', new Blob([await readFile(process.argv[2] ?? 'interview.mp3')]), 'interview.mp3');

const job = presetJob('zenhire', {
  ...(baseUrl ? { baseUrl } : {}),
  submit: {
    headers: { 'x-api-key': process.env['ZENHIRE_API_KEY'] ?? '' },
    body: form,
  },
});

const result = await runVendorJob('zenhire', job, {
  signal: AbortSignal.timeout(25 * 60_000),
  onDecision: ({ phase, decision }) => console.error(`[${phase}] ${decision.action} ${decision.reason}`),
});
console.log(JSON.stringify(result.body, null, 2));
