import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createResilientWebSocket } from '../lib/adapters/ws/index.js';
import { median, type BenchRow } from './stats.js';

const FAILURES = 100;

/**
 * Scenario 6: a Gradium-like server that closes with 1011 after each client message. The client
 * sends message i while disconnected (on `reconnecting`); every one must arrive exactly once.
 * Reconnect overhead = (server sees the new connection) − (the decision) − (the scheduled wait).
 */
export async function benchWsReconnect(): Promise<BenchRow[]> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const received: number[] = [];
  const connectedAtMs: number[] = [];
  server.on('connection', (socket) => {
    connectedAtMs.push(performance.now());
    let setup = false;
    socket.on('message', (data) => {
      const text = String(data);
      if (!setup) {
        setup = text.includes('"setup"');
        socket.send(JSON.stringify({ type: 'ready' }));
        return;
      }
      received.push(Number(text.slice(1)));
      socket.send(JSON.stringify({ type: 'error', message: 'worker lost', code: 1011 }));
      socket.close(1011);
    });
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/speech/tts`;
  const open = createResilientWebSocket('gradium', {
    url,
    setup: () => ({ type: 'setup', model_name: 'default', voice_id: 'v', output_format: 'pcm' }),
    // Draw the smallest jitter so the scheduled wait is 0 and what is measured is our own overhead.
    random: () => 0,
    stableAfterMs: 0,
  });
  const overheadMs: number[] = [];
  let sent = 0;
  const session = open();
  let decidedAtMs = 0;
  let scheduledMs = 0;
  session.on('reconnecting', ({ delayMs }: { delayMs: number }) => {
    decidedAtMs = performance.now();
    scheduledMs = delayMs;
    if (sent < FAILURES) session.send(`m${++sent}`);
  });
  session.on('reconnected', () => {
    const at = connectedAtMs[connectedAtMs.length - 1] ?? decidedAtMs;
    overheadMs.push(at - decidedAtMs - scheduledMs);
  });
  await new Promise<void>((resolve) => session.once('open', () => resolve()));
  session.send(`m${++sent}`);
  const deadline = Date.now() + 30_000;
  while (received.length < FAILURES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  session.close();
  await session.closed;
  await new Promise((resolve) => server.close(resolve));
  const unique = new Set(received);
  const lost = FAILURES - unique.size;
  const duplicates = received.length - unique.size;
  const overhead = median(overheadMs);
  return [
    {
      scenario: '6. WebSocket',
      metric: 'reconnect time beyond the scheduled backoff (median)',
      value: overhead,
      unit: 'ms',
      target: '≤ 5 ms',
      met: overhead <= 5,
      detail: `${overheadMs.length} reconnects after 1011 on loopback, Gradium policy, setup replayed each time`,
    },
    {
      scenario: '6. WebSocket',
      metric: `messages lost over ${FAILURES} failures`,
      value: lost,
      unit: 'messages',
      target: '0',
      met: lost === 0 && duplicates === 0,
      detail: `${received.length} received, ${duplicates} duplicates`,
    },
  ];
}
