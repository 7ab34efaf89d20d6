import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { VendorError } from '../../../lib/run/errors.js';
import { createResilientWebSocket, type ReconnectingInfo } from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer, type ServerSide } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

const API_KEY = 'ak_live_do_not_leak_42';
const REQUEST = {
  text: 'Hello from the resilient socket, long enough.',
  voice_id: 'am_ethan',
  model: 'base',
};

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Audixa streams: `started`, binary PCM chunks, then `completed` and a normal close. */
function stream(side: ServerSide): void {
  side.socket.send(JSON.stringify({ type: 'started', generation_id: `gen_${side.number}` }));
  side.socket.send(Buffer.from([1, 2, 3, 4]), { binary: true });
}

function audixaSession(origin: string) {
  const clock = recordingClock();
  const open = createResilientWebSocket('audixa', {
    url: `${origin}/v3/tts/stream?api_key=${API_KEY}`,
    setup: () => REQUEST,
    random: () => 0,
    clock,
  });
  const session = open();
  const reconnecting: ReconnectingInfo[] = [];
  const errors: Error[] = [];
  const binary: Buffer[] = [];
  session.on('reconnecting', (info) => reconnecting.push(info));
  session.on('error', (error) => errors.push(error));
  session.on('message', (data, isBinary) => {
    if (isBinary) binary.push(data as Buffer);
  });
  return { session, reconnecting, errors, binary, clock };
}

describe('Audixa WebSocket stream', () => {
  it.each([
    [1003, '{"type":"error","message":"Text must be at least 30 characters long."}'],
    [1008, '{"type":"error","message":"Invalid API Key"}'],
    [1008, undefined],
    [1003, undefined],
  ])('fails on close %i (error message %s) without reconnecting', async (code, errorMessage) => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => {
          if (errorMessage !== undefined) side.socket.send(errorMessage);
          side.socket.close(code);
        });
      },
    });
    const { session, reconnecting, errors } = audixaSession(server.origin);
    const end = await session.closed;

    expect(server.requests).toHaveLength(1);
    expect(reconnecting).toEqual([]);
    expect(errors).toHaveLength(1);
    const error = errors[0] as VendorError;
    expect(error).toMatchObject({ vendor: 'audixa', action: 'fail', code: String(code) });
    expect(end).toMatchObject({ code, error });
    for (const text of [error.message, JSON.stringify(error), inspect(error), session.url]) {
      expect(text).not.toContain(API_KEY);
    }
  });

  it('reconnects after close 1011, resends the request and delivers the audio', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => {
          stream(side);
          if (side.number === 1) {
            side.socket.send('{"type":"error","message":"Internal error: redis connection failure"}');
            side.socket.close(1011);
          } else {
            side.socket.send(JSON.stringify({ type: 'completed', audio_url: 'https://cdn.example/a.wav' }));
            side.socket.close(1000);
          }
        });
      },
    });
    const { session, reconnecting, errors, binary, clock } = audixaSession(server.origin);
    const end = await session.closed;

    // audixa#close-internal-error's computed backoff, scheduled exactly as the engine decided.
    expect(clock.delaysMs).toEqual([reconnecting[0]?.decision.delayMs]);
    expect(reconnecting[0]?.delayMs).toBeGreaterThan(0);

    expect(end).toEqual({ code: 1000, reason: '' });
    expect(errors).toEqual([]);
    expect(reconnecting.map((r) => [r.decision.action, r.decision.code])).toEqual([['reconnect', '1011']]);
    expect(server.sides.map((s) => s.received)).toEqual([
      [JSON.stringify(REQUEST)],
      [JSON.stringify(REQUEST)],
    ]);
    expect(binary).toEqual([Buffer.from([1, 2, 3, 4]), Buffer.from([1, 2, 3, 4])]);
  });
});
