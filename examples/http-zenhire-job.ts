/**
 * ZenHire speech analysis: submit once, then poll the same run on the server's schedule
 * (`pollIntervalSeconds`, Retry-After, never faster than the documented 10 s minimum). A 503
 * SERVICE_WARMING_UP on submit waits as long as asked and submits again; a 429
 * POLL_RATE_LIMITED keeps polling the same run, later; a bad key fails at once with a VendorError
 * that never shows the key. Prints each decision to stderr and the result as JSON.
 *
 * Against the simulator (a warm-up 503, a POLL_RATE_LIMITED, one `processing` poll; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs http-zenhire-job
 * Against ZenHire:
 *   ZENHIRE_API_KEY=zh_... node scripts/run-example.mjs http-zenhire-job --no-simulator /path/to/interview.mp3
 *
 * ZENHIRE_BASE_URL overrides the API origin. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so the 10–15 s poll intervals pass
 * quickly while the simulator still enforces the 10 s minimum on that shared clock.
 */
import { readFile } from 'node:fs/promises';
import { JOB_ENDPOINTS, presetJob, runVendorJob } from 'vendor-resilience/got';

const baseUrl = process.env['ZENHIRE_BASE_URL'] || JOB_ENDPOINTS.zenhire.baseUrl;

const form = new FormData();
form.set('language', 'en');
form.set('externalId', 'candidate-42');
form.set('audio', new Blob([await readFile(process.argv[2] ?? 'interview.mp3')]), 'interview.mp3');

const job = presetJob('zenhire', {
  baseUrl,
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
