// ELSA scripted pronunciation scoring through the resilient got client.
// Build once: npx tsc -p tsconfig.json --noEmit false --outDir .build (from the repository root)
// Run: ELSA_API_TOKEN=... [ELSA_BASE_URL=...] node .build/examples/http-elsa-score.js audio.wav
import { readFile } from 'node:fs/promises';
import got from 'got';
import { vendorResilience } from '../lib/http/index.js';

const elsa = got.extend(
  {
    prefixUrl: process.env['ELSA_BASE_URL'] ?? 'https://api.elsanow.io',
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
console.log(await elsa.post('api/v2/score_audio', { body: form }).json());
