/**
 * Breeze TTS: a sync request through the resilient got client (a 502 UPSTREAM_GENERATION_ERROR
 * is sent again; a 502 UPSTREAM_GENERATION_SERVICE_ERROR, a 401 or a validation error fails at
 * once with a VendorError that never shows the key), saved to breeze.mp3; then an async job polled
 * to `ready`, whose final status is printed as JSON.
 *
 * Against the simulator (the sync request answers 502 UPSTREAM_GENERATION_ERROR twice; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs http-breeze-tts
 * Against Breeze:
 *   BREEZE_API_KEY=brz_... BREEZE_VOICE_ID=... node scripts/run-example.mjs http-breeze-tts --no-simulator
 *
 * BREEZE_BASE_URL overrides the API origin. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so backoffs and polls pass quickly.
 */
import { writeFile } from 'node:fs/promises';
import got from 'got';
import { JOB_ENDPOINTS, presetJob, runVendorJob, vendorResilience } from 'vendor-resilience/got';

const baseUrl = process.env['BREEZE_BASE_URL'] ?? JOB_ENDPOINTS.breeze.baseUrl;
const voiceId = process.env['BREEZE_VOICE_ID'] ?? 'voice';
const headers = { 'xi-api-key': process.env['BREEZE_API_KEY'] ?? '' };

const breeze = got.extend(
  { prefixUrl: baseUrl, headers },
  vendorResilience('breeze', { deadlineMs: 60_000 }),
);
const audio = await breeze
  .post(`v1/text-to-speech/${voiceId}`, { json: { text: 'Hello from Breeze.' } })
  .buffer();
await writeFile('breeze.mp3', audio);
console.error(`wrote ${audio.length} bytes to breeze.mp3`);

const job = presetJob('breeze', {
  baseUrl,
  voiceId,
  submit: { headers, json: { text: 'A longer text.', delivery: 'async' } },
});
const { body } = await runVendorJob('breeze', job);
console.log(JSON.stringify(body, null, 2));
