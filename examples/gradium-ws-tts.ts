/**
 * Gradium streaming TTS over a resilient WebSocket: a 1011 reconnects and replays the text (with
 * a fresh token when GRADIUM_TOKEN_URL is set, since browser tokens are single-use; the token
 * request itself goes through the resilient got client, so a 1011 there is retried too); 1008
 * fails with a VendorError that never shows the key. Prints the PCM byte count.
 *
 * Against the simulator (a 1011 on the token endpoint, close 1011 after 3 messages; see
 * support/simulator-setups.ts):
 *   node scripts/run-example.mjs gradium-ws-tts ["text to speak"]
 * Against Gradium:
 *   GRADIUM_API_KEY=... node scripts/run-example.mjs gradium-ws-tts --no-simulator ["text to speak"]
 *
 * GRADIUM_WS_URL overrides the endpoint. The program itself runs on real
 * time; against the simulator the runner speeds up the process's clock and timers, and the
 * simulator's, alike (support/scaled-time-preload.ts), so backoffs pass quickly.
 */
import got from 'got';
import { vendorResilience } from 'vendor-resilience/got';
import { createResilientWebSocket, messageTypeIs } from 'vendor-resilience/ws';

const baseUrl = process.env['GRADIUM_WS_URL'] ?? 'wss://api.gradium.ai/api/speech/tts';
const apiKey = process.env['GRADIUM_API_KEY'] ?? '';
const tokenUrl = process.env['GRADIUM_TOKEN_URL'];
const text = process.argv[2] ?? 'Hello from a WebSocket that survives a server restart.';

// Gradium answers every REST error with HTTP 500; the policy reads `error from server 1008/1011`.
const gradium = got.extend(vendorResilience('gradium', { deadlineMs: 30_000 }));

/** A fresh single-use browser token per connection, when a token endpoint is configured. */
async function connectionUrl({ signal }: { signal: AbortSignal }): Promise<string> {
  if (tokenUrl === undefined) return baseUrl;
  const { token } = await gradium
    .get(tokenUrl, { headers: { 'x-api-key': apiKey }, signal })
    .json<{ token: string }>();
  return `${baseUrl}?token=${encodeURIComponent(token)}`;
}

const openSession = createResilientWebSocket('gradium', {
  url: connectionUrl,
  headers: tokenUrl === undefined ? { 'x-api-key': apiKey } : {},
  setup: () => ({ type: 'setup', model_name: 'default', voice_id: 'YTpq7expH9539ERJ', output_format: 'pcm' }),
  isReady: messageTypeIs('ready'),
  // A new Gradium connection is a new session: it needs the text again.
  replay: true,
});

const session = openSession();
let audio: Buffer[] = [];
session.on('open', () => {
  session.send(JSON.stringify({ type: 'text', text }));
  session.send(JSON.stringify({ type: 'end_of_stream' }));
});
session.on('message', (data) => {
  const message = JSON.parse(data.toString()) as { type: string; audio?: string };
  if (message.type === 'audio' && message.audio !== undefined)
    audio.push(Buffer.from(message.audio, 'base64'));
});
session.on('reconnecting', ({ decision, delayMs }) => {
  // The replayed text restarts synthesis, so audio from the dead connection is dropped.
  audio = [];
  console.error(`reconnecting in ${delayMs} ms: ${decision.reason}`);
});
session.on('error', (error) => console.error(`gave up: ${error.name}: ${error.message}`));

const end = await session.closed;
const bytes = audio.reduce((sum, chunk) => sum + chunk.length, 0);
console.log(`closed ${end.code}; ${bytes} bytes of PCM audio over ${session.connectionCount} connection(s)`);
process.exitCode = end.error ? 1 : 0;
