import type { WebSocket } from 'ws';
import type { Clock } from '../engine/types.js';
import { ArgumentCheck } from '../util/validate-arguments.js';
import { clockScheduler, realScheduler, type Scheduler } from './scheduler.js';
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
  const check: ArgumentCheck = new ArgumentCheck('createResilientWebSocket');
  check.object('options', options, 'an options object with at least `url`');
  const { url, headers, protocols, wsOptions } = options;
  check.that(
    typeof url === 'string' || typeof url === 'function' || url instanceof URL,
    'options.url',
    'a string, a URL or a function returning one',
    url,
  );
  // Header values are credentials: the message says only what type the option was.
  check.that(
    headers === undefined ||
      typeof headers === 'function' ||
      (typeof headers === 'object' && headers !== null),
    'options.headers',
    'a headers object, a function returning one, or undefined',
    headers,
  );
  check.that(
    protocols === undefined ||
      typeof protocols === 'string' ||
      (Array.isArray(protocols) && protocols.every((p) => typeof p === 'string')),
    'options.protocols',
    'a string, an array of strings or undefined',
    protocols,
  );
  check.options('options.wsOptions', wsOptions);
  for (const name of ['setup', 'isReady', 'random'] as const)
    check.function(`options.${name}`, options[name]);
  check.boolean('options.replay', options.replay);
  check.signal('options.signal', options.signal);
  check.strings('options.secrets', options.secrets);
  check.clock('options.clock', options.clock);
  check.engine('options.engine', options.engine);
  check.string('options.pacingKey', options.pacingKey);
  const { scheduler } = options;
  check.that(
    scheduler === undefined ||
      (typeof scheduler === 'object' &&
        scheduler !== null &&
        typeof scheduler.setTimeout === 'function' &&
        typeof scheduler.clearTimeout === 'function'),
    'options.scheduler',
    'a scheduler ({ setTimeout, clearTimeout }) or undefined',
    scheduler,
  );
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
    // A clock that can wait (a manual test clock) runs the reconnect waits too: one time source.
    scheduler: options.scheduler ?? (options.clock?.sleep ? clockScheduler(options.clock) : realScheduler),
    wsOptions: options.wsOptions,
    binaryType: 'nodebuffer',
  };
}
