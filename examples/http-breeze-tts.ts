// Breeze TTS: a sync request through the resilient got client, then an async job polled to `ready`.
// Build once: npx tsc -p tsconfig.json --noEmit false --outDir .build (from the repository root)
// Run: BREEZE_API_KEY=brz_... BREEZE_VOICE_ID=... [BREEZE_BASE_URL=...] node .build/examples/http-breeze-tts.js
import { writeFile } from 'node:fs/promises';
import got from 'got';
import { presetJob, runVendorJob, vendorResilience } from '../lib/http/index.js';

const baseUrl = process.env['BREEZE_BASE_URL'] ?? 'https://api.breeze.blue';
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

const job = presetJob('breeze', {
  baseUrl,
  voiceId,
  submit: { headers, json: { text: 'A longer text.', delivery: 'async' } },
});
const { body } = await runVendorJob('breeze', job, {});
console.log(body);
