import type { RawData } from 'ws';
import { createResilientWebSocket, messageTypeIs } from '../../lib/adapters/ws/index.js';
import type { ClientCounters, WsSessionSpec } from '../scenario.js';
import type { ScaledTime } from '../time-scale.js';
import { CallFailure, messageType } from './call-failure.js';

/**
 * Runs one WebSocket session through `createResilientWebSocket`: the setup goes first on every
 * connection and the rest is replayed, because a new connection of these vendors is a new session.
 */
export async function runResilientSession(
  vendor: string,
  spec: WsSessionSpec,
  time: ScaledTime,
  counters: ClientCounters,
): Promise<unknown> {
  const open = createResilientWebSocket(vendor, {
    url: spec.url,
    headers: spec.headers,
    setup: () => spec.setup,
    ...(spec.readyType === undefined ? {} : { isReady: messageTypeIs(spec.readyType) }),
    replay: true,
    clock: time.clock,
  });
  const session = open();
  let result: unknown;
  session.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return;
    const parsed = parseJson(data.toString());
    if (messageType(parsed) === spec.resultType) result = parsed;
  });
  session.on('reconnecting', ({ decision }) => {
    // The replayed request starts over on the new connection.
    result = undefined;
    if (decision.action === 'backoff') counters.backoffs++;
  });
  // The session reports its error on `closed` too; a listener keeps it from being unhandled.
  session.on('error', () => undefined);
  for (const message of spec.messages) session.send(message);
  const end = await session.closed;
  if (end.error) throw end.error;
  if (result === undefined) throw new CallFailure(`closed ${end.code} without a ${spec.resultType}`);
  return result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
