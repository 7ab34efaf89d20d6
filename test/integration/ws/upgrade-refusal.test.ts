import { afterEach, describe, expect, it } from '@jest/globals';
import type { VendorError } from '../../../lib/run/errors.js';
import { createResilientWebSocket, type ReconnectingInfo } from '../../../lib/adapters/ws/index.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';
import { recordingClock } from '../../support/recording-clock.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('refused WebSocket upgrades', () => {
  it('fails on 401 without reconnecting and reports the status', async () => {
    server = await startScriptedServer({
      refuse: () => ({ status: 401, body: 'error from server 1008: API key is revoked or expired' }),
      connected: () => undefined,
    });
    const session = createResilientWebSocket('gradium', {
      url: `${server.origin}/api/speech/tts`,
      headers: { 'x-api-key': 'gsk_secret_header_value' },
      setup: () => ({ type: 'setup' }),
    })();
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    let opened = false;
    session.on('open', () => (opened = true));
    const end = await session.closed;

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['x-api-key']).toBe('gsk_secret_header_value');
    expect(opened).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ action: 'fail', status: 401, attempts: 1 });
    expect(JSON.stringify(errors[0])).not.toContain('gsk_secret_header_value');
    expect(end.code).toBe(1006);
  });

  it('waits at least the Retry-After of a 429 before reconnecting, then carries on', async () => {
    server = await startScriptedServer({
      refuse: (n) =>
        n === 1 ? { status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' } : undefined,
      connected(side) {
        side.socket.once('message', () => side.socket.close(1000));
      },
    });
    const clock = recordingClock();
    const session = createResilientWebSocket('audixa', {
      url: `${server.origin}/v3/tts/stream`,
      setup: () => ({ text: 'hello' }),
      clock,
      random: () => 0.999,
    })();
    const reconnecting: ReconnectingInfo[] = [];
    session.on('reconnecting', (info) => reconnecting.push(info));
    const end = await session.closed;

    expect(end.code).toBe(1000);
    expect(reconnecting).toHaveLength(1);
    const [info] = reconnecting as [ReconnectingInfo];
    expect(info.decision).toMatchObject({ action: 'backoff', delaySource: 'header', retryAfterMs: 7000 });
    expect(info.delayMs).toBeGreaterThanOrEqual(7000);
    // The wait the session scheduled is the engine's, not shortened (jitter may only add ≤ 20 %).
    expect(clock.delaysMs).toEqual([info.delayMs]);
    expect(info.delayMs).toBeLessThanOrEqual(7000 * 1.2);
    expect(server.requests).toHaveLength(2);
    expect(clock.pending()).toBe(0);
  });

  it('reconnects when nothing listens at the address, then gives up at the cap', async () => {
    server = await startScriptedServer({ connected: () => undefined });
    const origin = server.origin;
    await server.close();
    server = undefined;
    const clock = recordingClock();
    const session = createResilientWebSocket('gradium', { url: `${origin}/x`, clock, random: () => 0 })();
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const end = await session.closed;

    expect(session.connectionCount).toBe(5);
    expect(clock.delaysMs).toHaveLength(4);
    expect(errors[0]).toMatchObject({ action: 'fail', category: 'network' });
    expect((errors[0] as VendorError).decision.reason).toMatch(/ECONNREFUSED/);
    expect(end.code).toBe(1006);
  });
});
