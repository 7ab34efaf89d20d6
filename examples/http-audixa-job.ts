/**
 * Audixa TTS as an async job: create a generation, then poll it every 1–2 s (the documented
 * schedule) until COMPLETED. A GENERATING answer is polled again later, a 5xx on a status poll is
 * asked again (polls are safe to repeat), and a generation that ends FAILED is created afresh
 * (bounded by the policy). Prints the audio URL.
 *
 * Against the simulator (the first generation ends FAILED, one poll answers 500; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs http-audixa-job
 * Against Audixa:
 *   AUDIXA_API_KEY=... node scripts/run-example.mjs http-audixa-job --no-simulator
 *
 * AUDIXA_BASE_URL overrides the API origin. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so the 1–2 s polls pass quickly.
 */
import { JOB_ENDPOINTS, presetJob, runVendorJob } from 'vendor-resilience/got';

const baseUrl = process.env['AUDIXA_BASE_URL'] || JOB_ENDPOINTS.audixa.baseUrl;

const job = presetJob('audixa', {
  baseUrl,
  submit: {
    headers: { 'x-api-key': process.env['AUDIXA_API_KEY'] ?? '' },
    json: {
      text: 'Hello from Audixa, at least thirty characters long.',
      voice_id: 'am_ethan',
      model: 'base',
    },
  },
});
const { body, submissions, polls } = await runVendorJob('audixa', job, {
  deadlineMs: 120_000,
});
console.error(`${submissions} generation(s), ${polls} status report(s)`);
console.log((body as { audio_url?: string }).audio_url);
