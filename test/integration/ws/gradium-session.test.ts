import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isVendorError, type VendorError } from '../../../lib/run/errors.js';
import {
  createResilientWebSocket,
  messageTypeIs,
  type GiveUpInfo,
  type ReconnectingInfo,
} from '../../../lib/adapters/ws/index.js';
import { afterSetup, startScriptedServer, type ScriptedServer, type ServerSide } from './scripted-server.js';

const SETUP = { type: 'setup', model_name: 'default', voice_id: 'YTpq7expH9539ERJ', output_format: 'pcm' };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A Gradium TTS session whose URL carries a fresh single-use browser token per connection. */
function gradiumSession(origin: string) {
  const minted: string[] = [];
  const open = createResilientWebSocket('gradium', {
    url: ({ connection }) => {
      const token = `tok-secret-${connection}-${Math.random().toString(36).slice(2)}`;
      minted.push(token);
      return `${origin}/api/speech/tts?token=${token}`;
    },
    setup: () => SETUP,
    isReady: messageTypeIs('ready'),
    random: () => 0,
  });
  const session = open();
  const events = {
    reconnecting: [] as ReconnectingInfo[],
    giveup: [] as GiveUpInfo[],
    errors: [] as Error[],
  };
  const messages: string[] = [];
  session.on('reconnecting', (info) => events.reconnecting.push(info));
  session.on('giveup', (info) => events.giveup.push(info));
  session.on('error', (error) => events.errors.push(error));
  session.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(data.toString());
  });
  return { session, minted, events, messages };
}

function sendReadyAfterSetup(side: ServerSide): void {
  side.socket.once('message', () =>
    side.socket.send(JSON.stringify({ type: 'ready', request_id: `req-${side.number}` })),
  );
}

function failWith(side: ServerSide, code: number): void {
  side.socket.send(JSON.stringify({ type: 'error', message: `injected ${code}`, code }));
  side.socket.close(code, `injected ${code}`);
}

describe('Gradium WebSocket session', () => {
  it('reconnects after error 1011 with a fresh token, sends setup first, then the buffered text, and completes', async () => {
    server = await startScriptedServer({
      connected(side) {
        sendReadyAfterSetup(side);
        afterSetup(side, (text) => {
          const msg = JSON.parse(text) as { type: string };
          if (side.number === 1 && msg.type === 'text') {
            side.socket.send(JSON.stringify({ type: 'audio', audio: 'AAAA' }));
            failWith(side, 1011);
          }
          if (side.number === 2 && msg.type === 'end_of_stream') {
            side.socket.send(JSON.stringify({ type: 'audio', audio: 'BBBB' }));
            side.socket.send(JSON.stringify({ type: 'end_of_stream' }));
            side.socket.close(1000);
          }
        });
      },
    });
    const { session, minted, events, messages } = gradiumSession(server.origin);
    const bufferedStates: number[] = [];
    session.on('open', () => session.send(JSON.stringify({ type: 'text', text: 'Hello' })));
    session.on('reconnecting', () => {
      bufferedStates.push(session.readyState);
      session.send(JSON.stringify({ type: 'text', text: 'world' }));
      session.send(JSON.stringify({ type: 'end_of_stream' }));
    });
    let reconnected = 0;
    session.on('reconnected', (info) => {
      reconnected += 1;
      expect(info).toEqual({ connection: 2, flushedMessages: 2 });
    });

    const end = await session.closed;

    expect(end).toEqual({ code: 1000, reason: '' });
    expect(events.errors).toEqual([]);
    expect(reconnected).toBe(1);
    expect(bufferedStates).toEqual([session.CONNECTING]);
    expect(events.reconnecting).toHaveLength(1);
    expect(events.reconnecting[0]?.decision).toMatchObject({ action: 'reconnect', code: '1011' });
    expect(server.sides).toHaveLength(2);
    const [first, second] = server.sides;
    expect(first?.received.map((t) => JSON.parse(t) as unknown)).toEqual([
      SETUP,
      { type: 'text', text: 'Hello' },
    ]);
    expect(second?.received.map((t) => JSON.parse(t) as unknown)).toEqual([
      SETUP,
      { type: 'text', text: 'world' },
      { type: 'end_of_stream' },
    ]);
    // A single-use token per connection, each used exactly once.
    expect(minted).toHaveLength(2);
    expect(server.requests.map((r) => new URL(r.url ?? '', 'ws://x').searchParams.get('token'))).toEqual(
      minted,
    );
    // The error report is the session's business; the caller sees ready/audio only.
    expect(messages.map((m) => (JSON.parse(m) as { type: string }).type)).toEqual([
      'ready',
      'audio',
      'ready',
      'audio',
      'end_of_stream',
    ]);
    expect(session.readyState).toBe(session.CLOSED);
    expect(session.url).not.toContain('tok-secret');
  });

  it('fails on error 1008 without reconnecting: one typed error, no token in it', async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => failWith(side, 1008));
      },
    });
    const { session, minted, events } = gradiumSession(server.origin);
    const end = await session.closed;

    expect(server.requests).toHaveLength(1);
    expect(events.reconnecting).toEqual([]);
    expect(events.errors).toHaveLength(1);
    const error = events.errors[0] as VendorError;
    expect(isVendorError(error)).toBe(true);
    expect(error).toMatchObject({ vendor: 'gradium', code: '1008', action: 'fail', attempts: 1 });
    expect(events.giveup).toEqual([{ error, decision: error.decision, connections: 1 }]);
    expect(end.code).toBe(1008);
    expect(end.error).toBe(error);
    const token = minted[0] ?? 'missing';
    for (const text of [
      error.message,
      JSON.stringify(error),
      inspect(error),
      JSON.stringify(events.giveup[0]?.decision),
    ]) {
      expect(text).not.toContain(token);
    }
  });

  it('reconnects after the server drops the socket (1006)', async () => {
    server = await startScriptedServer({
      connected(side) {
        sendReadyAfterSetup(side);
        afterSetup(side, () => {
          if (side.number === 1) side.socket.terminate();
          else side.socket.close(1000);
        });
      },
    });
    const { session, events } = gradiumSession(server.origin);
    session.on('open', () => session.send(JSON.stringify({ type: 'text', text: 'one' })));
    session.on('reconnecting', () => session.send(JSON.stringify({ type: 'text', text: 'two' })));
    const end = await session.closed;

    expect(end.code).toBe(1000);
    expect(events.reconnecting.map((r) => [r.decision.action, r.decision.code])).toEqual([
      ['reconnect', '1006'],
    ]);
    expect(server.sides[1]?.received).toEqual([
      JSON.stringify(SETUP),
      JSON.stringify({ type: 'text', text: 'two' }),
    ]);
  });

  it("gives up when the engine's attempt cap for 1011 is reached", async () => {
    server = await startScriptedServer({
      connected(side) {
        side.socket.once('message', () => failWith(side, 1011));
      },
    });
    const { session, events } = gradiumSession(server.origin);
    const end = await session.closed;

    // gradium#internal-error-ws allows 5 attempts: 4 reconnects, then fail on the 5th failure.
    expect(server.sides).toHaveLength(5);
    expect(events.reconnecting.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(events.errors).toHaveLength(1);
    expect(events.errors[0]).toMatchObject({ code: '1011', action: 'fail', attempts: 5 });
    expect(events.errors[0]?.message).toMatch(/gave up/);
    expect(end.code).toBe(1011);
    for (const side of server.sides) expect(side.received[0]).toBe(JSON.stringify(SETUP));
  });
});
