/**
 * `vendor-resilience/ws`: a WebSocket that reconnects under a vendor policy (setup replayed,
 * unacknowledged messages resent). Its runtime entries are `entry.ts` (import) and `entry.cts` (require): ws is an optional peer.
 */
export { createResilientWebSocket, type OpenResilientWebSocket } from './factory.js';
export { ResilientWebSocket, WebSocketSessionError } from './session.js';
export { OutboxFullError } from './outbox.js';
export { messageTypeIs } from './options.js';
export type {
  GiveUpInfo,
  ReconnectedInfo,
  ReconnectingInfo,
  ResilientWebSocketEventMap,
  SessionCloseInfo,
  SessionEvent,
  SessionEventListener,
} from './session.js';
export type {
  ConnectionContext,
  OpenSessionOptions,
  OutgoingData,
  PerConnection,
  ResilientWebSocketOptions,
  SetupMessage,
} from './options.js';
