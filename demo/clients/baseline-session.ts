import WebSocket from 'ws';
import type { WsSessionSpec } from '../scenario.js';
import type { ScaledTime } from '../time-scale.js';
import { BASELINE_RECONNECT_DELAY_MS, BASELINE_RETRY_LIMIT } from './baseline-settings.js';
import { CallFailure, messageType } from './call-failure.js';

/** How one connection ended. */
interface ConnectionEnd {
  closeCode: number;
  result: unknown;
}

/**
 * The naive WebSocket baseline: reconnect on any close but a normal one, up to the same limit as
 * the HTTP baseline, starting the session over (setup and messages) on each connection.
 */
export async function runBaselineSession(spec: WsSessionSpec, time: ScaledTime): Promise<unknown> {
  for (let connection = 1; ; connection++) {
    const end = await runConnection(spec);
    if (end.closeCode === 1000) {
      if (end.result === undefined) throw new CallFailure(`closed 1000 without a ${spec.resultType}`);
      return end.result;
    }
    if (connection > BASELINE_RETRY_LIMIT) throw new CallFailure(`close ${end.closeCode}`);
    await time.clock.sleep(BASELINE_RECONNECT_DELAY_MS, {});
  }
}

function runConnection(spec: WsSessionSpec): Promise<ConnectionEnd> {
  return new Promise((resolve) => {
    const socket = new WebSocket(spec.url, { headers: spec.headers });
    let result: unknown;
    let settled = false;
    const finish = (closeCode: number): void => {
      if (settled) return;
      settled = true;
      resolve({ closeCode, result });
    };
    socket.on('open', () => {
      socket.send(JSON.stringify(spec.setup));
      for (const message of spec.messages) socket.send(message);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const parsed = JSON.parse(data.toString()) as unknown;
        if (messageType(parsed) === spec.resultType) result = parsed;
      } catch {
        // Not JSON: not the result.
      }
    });
    // A refused upgrade ends this connection with the HTTP status as its "close code".
    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      socket.terminate();
      finish(response.statusCode ?? 0);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => finish(code));
  });
}
