// Gradium STT over REST: read the NDJSON transcript; an in-stream error ends it with a typed error.
// Build once: npx tsc -p tsconfig.json --noEmit false --outDir .build (from the repository root)
// Run: GRADIUM_API_KEY=... [GRADIUM_BASE_URL=...] node .build/examples/http-gradium-stt.js audio.wav
import { readFile } from 'node:fs/promises';
import { isVendorError } from '../lib/index.js';
import { readVendorMessages } from '../lib/http/index.js';

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
} catch (error) {
  if (!isVendorError(error)) throw error;
  console.error(
    `\n${error.message} (${(error.partialOutput as unknown[] | undefined)?.length ?? 0} messages before it)`,
  );
  process.exitCode = 1;
}
