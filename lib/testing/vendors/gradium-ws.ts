import { randomUUID } from 'node:crypto';
import type { VendorEnvironment, WsContext, WsRoute } from '../vendor-contract.js';
import type { WsSession } from '../ws-session.js';
import {
  credentialAccepted,
  fakeAudio,
  headerValue,
  parseJsonObject,
  SIMULATED_TRANSCRIPT as GRADIUM_TRANSCRIPT,
  wordsOf,
} from './shared.js';

/** Gradium WS TTS and ASR: `setup` first, then `ready`, input messages, `end_of_stream`. */
export function gradiumWsRoutes(
  environment: VendorEnvironment,
  browserTokens: Set<string>,
): WsRoute<'gradium.ws-tts' | 'gradium.ws-asr'>[] {
  const authorized = (context: WsContext): boolean => {
    const token = context.url.searchParams.get('token');
    // Browser tokens are consumed when verified: a reconnect with the same token fails (documented).
    if (token !== null) return browserTokens.delete(token);
    return credentialAccepted(environment, headerValue(context.headers, 'x-api-key'));
  };
  const route =
    (kind: 'tts' | 'asr') =>
    (session: WsSession, context: WsContext): void => {
      if (!authorized(context)) return session.fail(1008, 'API key is revoked or expired');
      runSession(session, kind);
    };
  return [
    { endpoint: 'gradium.ws-tts', path: '/api/speech/tts', handle: route('tts') },
    { endpoint: 'gradium.ws-asr', path: '/api/speech/asr', handle: route('asr') },
  ];
}

function runSession(session: WsSession, kind: 'tts' | 'asr'): void {
  let setup: Record<string, unknown> | undefined;
  let wordIndex = 0;
  let chunkIndex = 0;
  session.onMessage((data, isBinary) => {
    const message = isBinary ? undefined : parseJsonObject(data);
    if (!setup) {
      if (message?.['type'] !== 'setup') return session.fail(1008, 'missing or malformed setup message');
      setup = message;
      session.send({
        type: 'ready',
        request_id: randomUUID(),
        model_name: typeof setup['model_name'] === 'string' ? setup['model_name'] : 'default',
        sample_rate: 48000,
        frame_size: 1920,
        client_req_id: setup['client_req_id'] ?? null,
      });
      return;
    }
    const type = isBinary ? 'audio' : message?.['type'];
    if (type === 'end_of_stream') {
      if (kind === 'asr') session.send({ type: 'end_text', stop_s: wordIndex * 0.5 });
      if (!session.send({ type: 'end_of_stream' })) return;
      if (setup['close_ws_on_eos'] !== false) session.finish();
      return;
    }
    if (kind === 'tts' && type === 'text' && typeof message?.['text'] === 'string') {
      for (const word of wordsOf(message['text'])) {
        if (
          !session.send({
            type: 'text',
            text: word,
            start_s: chunkIndex * 0.4,
            stop_s: chunkIndex * 0.4 + 0.3,
          })
        ) {
          return;
        }
        if (!session.send({ type: 'audio', audio: fakeAudio(960, chunkIndex++).toString('base64') })) return;
      }
      return;
    }
    if (kind === 'asr' && type === 'audio') {
      const word = GRADIUM_TRANSCRIPT[wordIndex % GRADIUM_TRANSCRIPT.length];
      session.send({ type: 'text', text: word, start_s: wordIndex * 0.5 });
      wordIndex += 1;
      return;
    }
    if (type === 'flush')
      return void session.send({ type: 'flushed', flush_id: message?.['flush_id'] ?? null });
    session.fail(1008, `unexpected message type ${JSON.stringify(type)}`);
  });
}
