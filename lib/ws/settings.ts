import type { WebSocket } from 'ws';
import type { Clock } from '../engine/types.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import type { ResilientWebSocketOptions } from './types.js';

/** {@link ResilientWebSocketOptions} with every default filled in and every number checked. */
export interface SessionSettings {
  url: ResilientWebSocketOptions['url'];
  headers: ResilientWebSocketOptions['headers'];
  protocols: ResilientWebSocketOptions['protocols'];
  setup: ResilientWebSocketOptions['setup'];
  isReady: ResilientWebSocketOptions['isReady'];
  replay: boolean;
  maxBufferedMessages: number;
  maxBufferedBytes: number;
  stableAfterMs: number;
  closeAfterErrorMs: number;
  /** Upgrade + setup + ready must finish within this many milliseconds; 0 = no bound. */
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  maxUpgradeBodyBytes: number;
  /** How long to wait for a rejected upgrade's body, in milliseconds. */
  upgradeBodyTimeoutMs: number;
  secrets: readonly string[];
  clock: Clock;
  scheduler: Scheduler;
  wsOptions: ResilientWebSocketOptions['wsOptions'];
  binaryType: WebSocket['binaryType'];
}

function count(
  options: ResilientWebSocketOptions,
  name: keyof ResilientWebSocketOptions,
  fallback: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `createResilientWebSocket: option "${name}" must be a finite number ≥ 0 (got ${String(value)})`,
    );
  }
  return value;
}

/** Validates options and fills in defaults; a `TypeError` names the offending option. */
export function resolveSettings(options: ResilientWebSocketOptions): SessionSettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createResilientWebSocket: options must be an object with at least `url`');
  }
  const { url } = options;
  if (typeof url !== 'string' && typeof url !== 'function' && !(url instanceof URL)) {
    throw new TypeError(
      'createResilientWebSocket: option "url" must be a string, a URL or a function returning one',
    );
  }
  for (const name of ['setup', 'isReady'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`createResilientWebSocket: option "${name}" must be a function`);
    }
  }
  return {
    url,
    headers: options.headers,
    protocols: options.protocols,
    setup: options.setup,
    isReady: options.isReady,
    replay: options.replay === true,
    maxBufferedMessages: count(options, 'maxBufferedMessages', 1000),
    maxBufferedBytes: count(options, 'maxBufferedBytes', 4 * 1024 * 1024),
    stableAfterMs: count(options, 'stableAfterMs', 5000),
    closeAfterErrorMs: count(options, 'closeAfterErrorMs', 5000),
    connectTimeoutMs: count(options, 'connectTimeoutMs', 15_000),
    closeTimeoutMs: count(options, 'closeTimeoutMs', 5000),
    maxUpgradeBodyBytes: count(options, 'maxUpgradeBodyBytes', 64 * 1024),
    upgradeBodyTimeoutMs: 2000,
    secrets: options.secrets ?? [],
    clock: options.clock ?? { now: () => Date.now() },
    scheduler: options.scheduler ?? realScheduler,
    wsOptions: options.wsOptions,
    binaryType: 'nodebuffer',
  };
}
