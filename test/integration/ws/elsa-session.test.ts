import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createResilientWebSocket,
  messageTypeIs,
  type ReconnectingInfo,
} from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const START = {
  type: 'ELSA:start_stream',
  data: { stream_info: { api_plan: 'standard', sentence: 'hello' } },
};

describe('ELSA scripted stream', () => {
  it('reads ELSA:error before the close, reconnects on "ASR timeout", and drops a server that never closes', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => {
          side.socket.send(JSON.stringify({ type: 'ELSA:start_stream_result' }));
          side.socket.once('message', () => {
            if (side.number === 1) {
              side.socket.send(JSON.stringify({ type: 'ELSA:error', message: 'ASR timeout' }));
              side.socket.close(1000);
            } else if (side.number === 2) {
              // Reports the error but leaves the socket open: the session must not wait forever.
              side.socket.send(JSON.stringify({ type: 'ELSA:error', message: 'ASR Connection Failed' }));
            } else {
              side.socket.send(
                JSON.stringify({ type: 'ELSA:decoding_result', data: { stream_finished: true } }),
              );
              side.socket.close(1000);
            }
          });
        });
      },
    });
    const clock = recordingClock({ realTimeDeadlines: true });
    const session = createResilientWebSocket('elsa', {
      url: `${server.origin}/api/v2/ws/score_audio`,
      headers: () => ({ Authorization: 'ELSA elsa-token-secret-value' }),
      setup: () => START,
      isReady: messageTypeIs('ELSA:start_stream_result'),
      closeAfterErrorMs: 50,
      random: () => 0,
      clock,
    })();
    const reconnecting: ReconnectingInfo[] = [];
    session.on('reconnecting', (info) => reconnecting.push(info));
    session.on('open', () => session.send(Buffer.from('audio-bytes')));
    session.on('reconnected', () => session.send('{"type":"ELSA:end_stream"}'));
    session.on('open', () => session.send('{"type":"ELSA:end_stream"}'));
    const end = await session.closed;

    expect(end).toEqual({ code: 1000, reason: '' });
    expect(reconnecting.map((r) => [r.decision.action, r.decision.code])).toEqual([
      ['reconnect', 'ASRSocketTimeout'],
      ['reconnect', 'ASRConnectionFailed'],
    ]);
    expect(clock.delaysMs).toEqual(reconnecting.map((r) => r.delayMs));
    expect(server.sides).toHaveLength(3);
    for (const side of server.sides) expect(side.received[0]).toBe(JSON.stringify(START));
    expect(server.requests.every((r) => r.headers.authorization === 'ELSA elsa-token-secret-value')).toBe(
      true,
    );
  });
});
