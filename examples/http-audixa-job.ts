// Audixa TTS: create a generation and poll it every 1–2 s until COMPLETED.
// Build once: npx tsc -p tsconfig.json --noEmit false --outDir .build (from the repository root)
// Run: AUDIXA_API_KEY=... [AUDIXA_BASE_URL=...] node .build/examples/http-audixa-job.js
import { presetJob, runVendorJob } from '../lib/http/index.js';

const job = presetJob('audixa', {
  ...(process.env['AUDIXA_BASE_URL'] ? { baseUrl: process.env['AUDIXA_BASE_URL'] } : {}),
  submit: {
    headers: { 'x-api-key': process.env['AUDIXA_API_KEY'] ?? '' },
    json: {
      text: 'Hello from Audixa, at least thirty characters long.',
      voice_id: 'am_ethan',
      model: 'base',
    },
  },
});
const { body } = await runVendorJob('audixa', job, { deadlineMs: 120_000 });
console.log((body as { audio_url?: string }).audio_url);
