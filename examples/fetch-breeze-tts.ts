/**
 * Breeze TTS through `resilientFetch`: plain fetch code, with every call under the Breeze policy
 * (a 502 UPSTREAM_GENERATION_ERROR is sent again after the policy's wait; a 502
 * UPSTREAM_GENERATION_SERVICE_ERROR, a 401 or a validation error rejects at once with a
 * VendorError that never shows the key). The audio is streamed from the Response to
 * breeze-fetch.mp3, untouched by the library.
 *
 * Against the simulator (the request answers 429 RATE_LIMITED with Retry-After, then 502
 * UPSTREAM_GENERATION_ERROR once; see support/simulator-setups.ts):
 *   node scripts/run-example.mjs fetch-breeze-tts
 * Against Breeze:
 *   BREEZE_API_KEY=brz_... BREEZE_VOICE_ID=... node scripts/run-example.mjs fetch-breeze-tts --no-simulator
 *
 * BREEZE_BASE_URL overrides the API origin. The program runs on real time; against the simulator
 * the runner speeds up the process's clock and timers, and the simulator's, alike.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { resilientFetch } from 'vendor-resilience/fetch';

const baseUrl = process.env['BREEZE_BASE_URL'] ?? 'https://api.breeze.blue';
const voiceId = process.env['BREEZE_VOICE_ID'] ?? 'voice';

const fetch = resilientFetch('breeze', { deadlineMs: 60_000 });
const response = await fetch(`${baseUrl}/v1/text-to-speech/${voiceId}`, {
  method: 'POST',
  headers: { 'xi-api-key': process.env['BREEZE_API_KEY'] ?? '', 'content-type': 'application/json' },
  body: JSON.stringify({ text: 'Hello from Breeze, through fetch.' }),
});
if (response.body === null) throw new Error(`no audio in the ${response.status} response`);
const file = createWriteStream('breeze-fetch.mp3');
await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), file);
console.error(`wrote ${file.bytesWritten} bytes to breeze-fetch.mp3`);
console.log(JSON.stringify({ status: response.status, contentType: response.headers.get('content-type') }));
