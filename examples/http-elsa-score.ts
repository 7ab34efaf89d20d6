/**
 * ELSA scripted pronunciation scoring through the resilient got client: "ASR timeout" is sent
 * again after a backoff; "Failed to decode audio" or a bad token fails at once with a VendorError
 * that never shows the token. Prints each decision to stderr and the score result as JSON.
 *
 * Against the simulator ("ASR timeout" twice; see support/simulator-setups.ts):
 *   node scripts/run-example.mjs http-elsa-score
 * Against ELSA:
 *   ELSA_API_TOKEN=... node scripts/run-example.mjs http-elsa-score --no-simulator /path/to/audio.wav
 *
 * ELSA_BASE_URL overrides the API origin. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so backoffs pass quickly.
 */
import { readFile } from 'node:fs/promises';
import got from 'got';
import { vendorResilience } from 'vendor-resilience/got';

const baseUrl = process.env['ELSA_BASE_URL'] ?? 'https://api.elsanow.io';
const elsa = got.extend(
  {
    prefixUrl: baseUrl,
    headers: { authorization: `ELSA ${process.env['ELSA_API_TOKEN'] ?? ''}` },
  },
  vendorResilience('elsa', {
    deadlineMs: 60_000,
    onDecision: (e) => console.error(e.decision.reason),
  }),
);
const form = new FormData();
form.set('api_plan', 'standard');
form.set('sentence', 'Hello world');
form.set('audio_file', new Blob([await readFile(process.argv[2] ?? 'audio.wav')]), 'audio.wav');
console.log(JSON.stringify(await elsa.post('api/v2/score_audio', { body: form }).json(), null, 2));
