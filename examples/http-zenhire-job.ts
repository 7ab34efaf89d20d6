// ZenHire speech analysis: submit once, poll the same run on the server's schedule.
// Build once: npx tsc -p tsconfig.json --noEmit false --outDir .build (from the repository root)
// Run: ZENHIRE_API_KEY=zh_... [ZENHIRE_BASE_URL=http://127.0.0.1:8080] node .build/examples/http-zenhire-job.js interview.mp3
import { readFile } from 'node:fs/promises';
import { presetJob, runVendorJob } from '../lib/http/index.js';

const form = new FormData();
form.set('language', 'en');
form.set('externalId', 'candidate-42');
form.set('audio', new Blob([await readFile(process.argv[2] ?? 'interview.mp3')]), 'interview.mp3');

const job = presetJob('zenhire', {
  ...(process.env['ZENHIRE_BASE_URL'] ? { baseUrl: process.env['ZENHIRE_BASE_URL'] } : {}),
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
