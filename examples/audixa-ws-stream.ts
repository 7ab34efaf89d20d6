/**
 * Audixa TTS streaming over a resilient WebSocket: a close 1011 reconnects and sends the request
 * again (the audio of the dead connection is dropped, since the stream starts over); 1003 (bad
 * payload) and 1008 (bad key) fail with a VendorError that never shows the key, which travels in
 * the URL as `api_key=`. Prints the audio byte count and the backup file URL.
 *
 * Against the simulator (close 1011 after 3 messages; see support/simulator-setups.ts):
 *   node scripts/run-example.mjs audixa-ws-stream ["text to speak"]
 * Against Audixa:
 *   AUDIXA_API_KEY=... node scripts/run-example.mjs audixa-ws-stream --no-simulator ["text to speak"]
 *
 * AUDIXA_WS_URL overrides the endpoint. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so backoffs pass quickly.
 */
import { createResilientWebSocket } from 'vendor-resilience/ws';

const baseUrl = process.env['AUDIXA_WS_URL'] ?? 'wss://api.audixa.ai/v3/tts/stream';
const apiKey = process.env['AUDIXA_API_KEY'] ?? '';
const text = process.argv[2] ?? 'Streaming speech that keeps going when the server hiccups.';

const openStream = createResilientWebSocket('audixa', {
  url: () => `${baseUrl}?api_key=${encodeURIComponent(apiKey)}`,
  // The one request message is the whole session setup: it is sent first on every connection.
  setup: () => ({ text, voice_id: 'am_ethan', model: 'base', audio_format: 'wav' }),
});

const stream = openStream();
let pcm: Buffer[] = [];
let backupUrl: string | undefined;
stream.on('message', (data, isBinary) => {
  if (isBinary) {
    pcm.push(data as Buffer); // raw float32 LE, 24 kHz, mono
    return;
  }
  const message = JSON.parse(data.toString()) as { type: string; audio_url?: string };
  if (message.type === 'completed') backupUrl = message.audio_url;
});
stream.on('reconnecting', ({ decision, delayMs }) => {
  pcm = []; // the request starts over on the new connection
  console.error(`reconnecting in ${delayMs} ms: ${decision.reason}`);
});
stream.on('error', (error) => console.error(`gave up: ${error.name}: ${error.message}`));

const end = await stream.closed;
const bytes = pcm.reduce((sum, chunk) => sum + chunk.length, 0);
console.log(`closed ${end.code}; ${bytes} bytes of audio; backup file: ${backupUrl ?? 'none'}`);
process.exitCode = end.error ? 1 : 0;
