/**
 * Gradium STT over REST: read the NDJSON transcript. A 500 "error from server 1011", or an error
 * line before any transcript, sends the audio again; an error line after words were delivered ends
 * the transcript with a VendorError carrying the words already printed (not retried: the caller
 * has them); a 1008 (bad key) fails at once. Errors never show the key.
 *
 * Against the simulator (a stream whose first line is an error, then a 500 1011; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs http-gradium-stt
 * Against Gradium:
 *   GRADIUM_API_KEY=... node scripts/run-example.mjs http-gradium-stt --no-simulator /path/to/audio.wav
 *
 * GRADIUM_BASE_URL overrides the API origin. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so backoffs pass quickly.
 */
import { readFile } from 'node:fs/promises';
import { isVendorError } from 'vendor-resilience';
import { readVendorMessages } from 'vendor-resilience/got';

const baseUrl = process.env['GRADIUM_BASE_URL'] ?? 'https://api.gradium.ai';
const audio = await readFile(process.argv[2] ?? 'audio.wav');
try {
  for await (const message of readVendorMessages('gradium', `${baseUrl}/api/post/speech/asr`, {
    request: {
      method: 'POST',
      body: audio,
      headers: { 'x-api-key': process.env['GRADIUM_API_KEY'] ?? '', 'content-type': 'audio/wav' },
    },
  })) {
    const m = message as { type?: string; text?: string };
    if (m.type === 'text') process.stdout.write(`${m.text} `);
  }
  process.stdout.write('\n');
} catch (error) {
  if (!isVendorError(error)) throw error;
  const delivered = (error.partialOutput as unknown[] | undefined)?.length ?? 0;
  console.error(`\n${error.name}: ${error.message} (${delivered} messages before it)`);
  process.exitCode = 1;
}
