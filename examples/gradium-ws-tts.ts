/**
 * Gradium streaming TTS over a resilient WebSocket: a 1011 reconnects (with a fresh token when
 * GRADIUM_TOKEN_URL is set, since browser tokens are single-use), 1008 fails with a VendorError.
 *
 *   GRADIUM_WS_URL=ws://127.0.0.1:8080/api/speech/tts GRADIUM_API_KEY=... node dist/examples/gradium-ws-tts.js
 */
import { createResilientWebSocket, messageTypeIs } from '../lib/ws/index.js';

const baseUrl = process.env['GRADIUM_WS_URL'] ?? 'wss://api.gradium.ai/api/speech/tts';
const apiKey = process.env['GRADIUM_API_KEY'] ?? '';
const tokenUrl = process.env['GRADIUM_TOKEN_URL'];
const text = process.argv[2] ?? 'Hello from a WebSocket that survives a server restart.';

/** A fresh single-use browser token per connection, when a token endpoint is configured. */
async function connectionUrl({ signal }: { signal: AbortSignal }): Promise<string> {
  if (tokenUrl === undefined) return baseUrl;
  const response = await fetch(tokenUrl, { headers: { 'x-api-key': apiKey }, signal });
  const { token } = (await response.json()) as { token: string };
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
session.on('error', (error) => console.error(`gave up: ${error.message}`));

const end = await session.closed;
const bytes = audio.reduce((sum, chunk) => sum + chunk.length, 0);
console.log(`closed ${end.code}; ${bytes} bytes of PCM audio over ${session.connectionCount} connection(s)`);
process.exitCode = end.error ? 1 : 0;
