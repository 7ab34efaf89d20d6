/**
 * `vendor-resilience/ws`: a WebSocket that reconnects under a vendor policy (setup replayed,
 * unacknowledged messages resent). Its runtime entry is `entry.ts` (ws is an optional peer).
 */
export { createResilientWebSocket, type OpenResilientWebSocket } from './factory.js';
export { ResilientWebSocket } from './session.js';
export { OutboxFullError } from './outbox.js';
export { WebSocketSessionError } from './session-error.js';
export { messageTypeIs } from './predicates.js';
export type { Scheduler } from './scheduler.js';
export type { SessionEvent, SessionEventListener } from './event-target.js';
export type {
  ConnectionContext,
  GiveUpInfo,
  OpenSessionOptions,
  OutgoingData,
  PerConnection,
  ReconnectedInfo,
  ReconnectingInfo,
  ResilientWebSocketEventMap,
  ResilientWebSocketOptions,
  SessionCloseInfo,
  SetupMessage,
} from './types.js';
