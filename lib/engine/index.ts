export type {
  Action,
  Clock,
  Decision,
  DelaySource,
  EngineEnvironment,
  HeaderValue,
  Phase,
  Signal,
  Transport,
} from './types.js';
export { ACTIONS } from './types.js';
export {
  createEngine,
  type DecideResult,
  type Engine,
  type EngineOptions,
  type PolicyResolver,
} from './engine.js';
export { decide } from './decide.js';
export { parseSignal, SignalError } from './signal.js';
export { parseRetryAfterMs } from './server-wait.js';
export { computedBackoffMs, scheduledPollIntervalMs } from './backoff.js';
export { MAX_PARSE_CHARS } from './envelope.js';
export { NEVER_SENT_ERRORS } from './fallback.js';
export { formatMs } from './reason.js';
