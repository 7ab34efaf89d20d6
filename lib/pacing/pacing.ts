import { createHash } from 'node:crypto';
import type { Clock } from '../core/engine/types.js';
import { MAX_TIMER_MS } from '../run/sleep.js';
import { startTimer, timeSourceOf } from '../run/time-source.js';
import { ArgumentCheck } from '../run/validate-arguments.js';
import { DEFAULT_RATE_CONSTANTS } from './adaptive-math.js';
import { createBottleneckLimiter } from './bottleneck-limiter.js';
import { createLocalLimiter } from './local-limiter.js';
import { PacingEventHub, reportPacingTo, type PacingEvents } from './events.js';
import { checkTelemetryOption, Telemetry, type TelemetryOptions } from '../run/telemetry.js';
import { MemoryPacingStore } from './memory-store.js';
import { pacingUnavailableError } from './pacing-errors.js';
import type { PacingStore } from './pacing-store.js';
import { openClusterConnection, type ClusterConnection, type RedisClientLike } from './redis-connection.js';
import { RedisPacingStore } from './redis-store.js';
import { DEFAULT_RETRY_BUDGET, type RetryBudgetSettings } from './retry-budget.js';
import type { AdaptiveSettings, PacerLimits } from './types.js';
import { createVendorPacer, type VendorPacer, type VendorPacerHandle } from './vendor-pacer.js';

/** Options of {@link createPacing}. All optional: the default paces in-process from the policies' limits. */
export interface PacingOptions {
  /** Cluster mode: an ioredis client (duplicated, never closed by pacing) or a Redis URL. */
  redis?: RedisClientLike | string | undefined;
  /** Prefix of every Redis key (default `vendor-resilience`); processes sharing limits must use the same one. */
  keyPrefix?: string | undefined;
  /** Per-vendor limits that replace the policy's (e.g. a paid plan: `{ audixa: { requestsPerMinute: 240, maxConcurrent: 20 } }`). */
  vendors?: Readonly<Record<string, PacerLimits>> | undefined;
  /** The per-vendor retry budget, or `false` for none. */
  retryBudget?: RetryBudgetSettings | false | undefined;
  /** Tuning of the adaptive concurrency and rate (each setting has a default: see `AdaptiveSettings`). */
  adaptive?: AdaptiveSettings | undefined;
  /**
   * Time source (ms since the epoch); the system clock when omitted. With a `sleep` (a manual clock from
   * `vendor-resilience/testing`), the gate and the rate spacing wait on it too. Cluster mode needs a real clock.
   */
  clock?: Clock | undefined;
  /**
   * Bound on every Redis command and on connecting, in ms (default 2000); a longer one than Node's
   * longest timer (2^31 - 1 ms, about 24.8 days) is that.
   */
  redisTimeoutMs?: number | undefined;
  /** How long a Redis read of the gate and adaptive state is reused, in ms (default 25). */
  sharedStateCacheMs?: number | undefined;
  /**
   * A pacer unused this long (no call waiting or running, its gate open) is dropped with what it
   * learned, and Redis keys expire after this long without use; in ms (default 10 minutes). Memory
   * follows the vendors and credentials in use, not every one ever seen.
   */
  idleExpiryMs?: number | undefined;
  /** Keep the process alive while a closed gate holds calls (default true: a held call is one someone awaits, like the retry waits). */
  keepProcessAlive?: boolean | undefined;
  /**
   * Gate closed time and budget exhaustion as OpenTelemetry metrics and log lines (the `telemetry`
   * option of the adapters; docs/telemetry.md). Off when omitted.
   */
  telemetry?: TelemetryOptions | undefined;
}

/** Which pacer to get: the adapter passes the vendor, the policy's limits and the credential it sends. */
export interface PacerRequest {
  vendor: string;
  /** The policy's documented limits (`CompiledPolicy.limits`); `PacingOptions.vendors` overrides them. */
  limits?: PacerLimits | undefined;
  /** Limits are per API key at most vendors; only a hash of it is kept or sent to Redis. */
  credential?: string | undefined;
}

/** A live pacer of a pacing, with what its idle sweep needs. */
interface PacerEntry {
  handle: VendorPacerHandle;
  lastUsedMs: number;
  /** What the pacer was asked with (never the credential): its successor is asked the same. */
  vendor: string;
  limits: PacerLimits | undefined;
}

/** The pacing of one application: one pacer per vendor and credential, one retry budget per vendor. */
export interface Pacing extends PacingEvents {
  /**
   * The pacer for this vendor and credential; the same instance for the same pair (limits of the
   * first request) until it is dropped as idle (see `idleExpiryMs`); a dropped pacer hands later
   * calls on to its successor.
   */
  pacer(request: PacerRequest): VendorPacer;
  /** Closes every pacer and the Redis connections pacing opened. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_PREFIX = 'vendor-resilience';
/** Vendors whose last credential's pacer key is remembered (see `keyOf`). */
const LAST_KEYS_KEPT = 64;
/** How often a pacer in use is marked used (see `pacerByKey`), in ms. */
const TOUCH_EVERY_MS = 1000;

/** Creates the pacing of an application (in-process by default; shared through Redis with `redis`). */
export function createPacing(options: PacingOptions = {}): Pacing {
  const check: ArgumentCheck = new ArgumentCheck('createPacing');
  check.options('options', options);
  check.that(
    options.redis === undefined ||
      typeof options.redis === 'string' ||
      (typeof options.redis === 'object' && options.redis !== null),
    'options.redis',
    'an ioredis client, a Redis URL or undefined',
    options.redis,
  );
  check.string('options.keyPrefix', options.keyPrefix);
  check.options('options.vendors', options.vendors);
  check.that(
    options.retryBudget === undefined ||
      options.retryBudget === false ||
      typeof options.retryBudget === 'object',
    'options.retryBudget',
    'retry budget settings ({ capacity, refillPerSuccess }), false or undefined',
    options.retryBudget,
  );
  if (options.retryBudget) {
    check.number('options.retryBudget.capacity', options.retryBudget.capacity, { above: 0 });
    check.number('options.retryBudget.refillPerSuccess', options.retryBudget.refillPerSuccess, { min: 0 });
  }
  check.that(
    options.adaptive === undefined || (typeof options.adaptive === 'object' && options.adaptive !== null),
    'options.adaptive',
    'adaptive settings or undefined',
    options.adaptive,
  );
  check.clock('options.clock', options.clock);
  check.number('options.redisTimeoutMs', options.redisTimeoutMs, { above: 0 });
  check.number('options.idleExpiryMs', options.idleExpiryMs, { above: 0 });
  check.number('options.sharedStateCacheMs', options.sharedStateCacheMs, { min: 0 });
  check.boolean('options.keepProcessAlive', options.keepProcessAlive);
  checkTelemetryOption(check, options.telemetry);
  const events = new PacingEventHub();
  const time = timeSourceOf(options.clock);
  if (options.telemetry) reportPacingTo(events, new Telemetry(options.telemetry), time);
  const prefix = options.keyPrefix ?? DEFAULT_PREFIX;
  const idleExpiryMs = options.idleExpiryMs ?? 10 * 60_000;
  // Every Redis bound is a Node timer (ours and ioredis' connect and command timeouts), and Node
  // sets a longer one to 1 ms: a timeout of "25 days" would expire at once and refuse every call.
  const timeoutMs = Math.min(options.redisTimeoutMs ?? 2000, MAX_TIMER_MS);
  /** Live pacers by key, least recently used first (a use moves a pacer to the end). */
  const pacers = new Map<string, PacerEntry>();
  let cancelSweep: (() => void) | undefined;
  // Per-vendor limits are checked here, not at the first call that would use them.
  for (const [vendor, limits] of Object.entries(options.vendors ?? {})) {
    validLimit(limits.requestsPerMinute, 'requestsPerMinute', vendor);
    validLimit(limits.maxConcurrent, 'maxConcurrent', vendor);
  }
  let cluster: ClusterConnection | undefined;
  if (options.redis !== undefined) {
    cluster = openClusterConnection(options.redis, {
      timeoutMs,
      onLost: (error) => {
        events.emit('redisError', { error });
        for (const [, { handle }] of pacers)
          handle.failQueued(pacingUnavailableError(handle.pacer.vendor, error));
      },
    });
  }
  const store: PacingStore = cluster
    ? new RedisPacingStore(cluster, idleExpiryMs)
    : new MemoryPacingStore(time);
  // Field by field, not a spread: a setting given as `undefined` is the default, as the check says.
  const budget =
    options.retryBudget === false
      ? undefined
      : {
          capacity: options.retryBudget?.capacity ?? DEFAULT_RETRY_BUDGET.capacity,
          refillPerSuccess: options.retryBudget?.refillPerSuccess ?? DEFAULT_RETRY_BUDGET.refillPerSuccess,
        };
  const rateConstants = {
    beta: options.adaptive?.rateBeta ?? DEFAULT_RATE_CONSTANTS.beta,
    recoveryMs: options.adaptive?.rateRecoveryMs ?? DEFAULT_RATE_CONSTANTS.recoveryMs,
    minRatePerSec: options.adaptive?.minRequestsPerSecond ?? DEFAULT_RATE_CONSTANTS.minRatePerSec,
  };
  let closing: Promise<void> | undefined;
  const keyedStore = stateStore(store, prefix);

  /**
   * Drops the pacers unused for `idleExpiryMs` that hold nothing: no call waiting or running, the
   * gate open. One unref'd timer on the pacing clock, armed only while pacers exist.
   */
  const sweep = (): void => {
    cancelSweep = undefined;
    const nowMs = time.now();
    for (const [key, entry] of pacers) {
      if (entry.lastUsedMs + idleExpiryMs > nowMs) break; // the rest were used later
      // Kept by its caller and used since, without asking the pacing for it: in use all the same.
      const usedMs = entry.handle.lastUseMs();
      if (usedMs + idleExpiryMs > nowMs) {
        touch(key, entry, usedMs);
        continue;
      }
      const { pacer: idle } = entry.handle;
      const counts = idle.counts();
      if (counts.queued > 0 || counts.running > 0 || idle.settings().gateOpenAtMs > nowMs) {
        touch(key, entry, nowMs); // busy: looked at again a full period later
        continue;
      }
      pacers.delete(key);
      keyedStore.forget(key);
      void entry.handle.evict(() => pacerByKey(key, entry));
    }
    armSweep();
  };
  /** Marks a pacer used at `nowMs`: it moves to the end of the least-recently-used order. */
  const touch = (key: string, entry: PacerEntry, nowMs: number): void => {
    pacers.delete(key);
    entry.lastUsedMs = nowMs;
    pacers.set(key, entry);
  };
  const armSweep = (): void => {
    if (cancelSweep || closing) return;
    const oldest = pacers.values().next();
    if (oldest.done) return;
    const dueMs = oldest.value.lastUsedMs + idleExpiryMs - time.now();
    cancelSweep = startTimer(time, sweep, Math.max(dueMs, 1_000), { unref: true });
  };

  const pacer = (request: PacerRequest): VendorPacer => {
    const checkRequest: ArgumentCheck = new ArgumentCheck('pacer');
    checkRequest.object('request', request, 'a request ({ vendor, limits?, credential? })');
    checkRequest.string('request.vendor', request.vendor, true);
    checkRequest.options('request.limits', request.limits);
    checkRequest.string('request.credential', request.credential);
    return pacerByKey(keyOf(request.vendor, request.credential), request);
  };

  /**
   * The last credential's key per vendor. A key is a SHA-256 of the credential, which cost more
   * than the rest of a call's lookup; most applications send one key per vendor. Bounded: a
   * process asking for more vendors than {@link LAST_KEYS_KEPT} starts the memo over.
   */
  const lastKeys = new Map<string, { credential: string | undefined; key: string }>();
  const keyOf = (vendor: string, credential: string | undefined): string => {
    const last = lastKeys.get(vendor);
    if (last !== undefined && last.credential === credential) return last.key;
    const key = pacerKey(vendor, credential);
    if (lastKeys.size >= LAST_KEYS_KEPT) lastKeys.clear();
    lastKeys.set(vendor, { credential, key });
    return key;
  };

  /** The pacer of a key (vendor plus credential hash); `request.credential` is not read. */
  const pacerByKey = (key: string, request: Omit<PacerRequest, 'credential'>): VendorPacer => {
    if (closing) throw new Error('pacer(): this pacing was closed');
    const existing = pacers.get(key);
    if (existing) {
      // Moved to the end of the order at most once a second: the sweep's order and idle times are
      // then off by under a second, against idle periods of minutes, and a busy key is not moved
      // on every call.
      const nowMs = time.now();
      if (nowMs - existing.lastUsedMs >= TOUCH_EVERY_MS) touch(key, existing, nowMs);
      return existing.handle.pacer;
    }
    // The pacer's closures take the vendor, not `request`: the caller's request carries the credential.
    const { vendor } = request;
    const limits = { ...request.limits, ...definedOnly(options.vendors?.[vendor]) };
    const rateCeilingPerSec = validLimit(limits.requestsPerMinute, 'requestsPerMinute', vendor);
    const concurrencyCeiling = validLimit(limits.maxConcurrent, 'maxConcurrent', vendor);
    const ratePerSec = rateCeilingPerSec === undefined ? undefined : rateCeilingPerSec / 60;
    // The limiter only counts concurrency (across processes bottleneck shares it through Redis);
    // the pacer spaces starts itself, claiming each from the store (in Redis across processes).
    const limiter = cluster
      ? createBottleneckLimiter({
          maxConcurrent: concurrencyCeiling,
          cluster: { id: `${prefix}:limiter:${key}`, connection: cluster.bottleneck, idleExpiryMs },
          onError: () => undefined, // cluster errors arrive through the connection's loss handler
          stopTimeoutMs: timeoutMs,
        })
      : createLocalLimiter({ maxConcurrent: concurrencyCeiling });
    const handle = createVendorPacer({
      identity: { vendor, key },
      store: keyedStore,
      limiter,
      events,
      time,
      rateCeilingPerSec: ratePerSec,
      concurrencyCeiling,
      rateConstants,
      concurrencyBeta: options.adaptive?.concurrencyBeta ?? 0.5,
      // Spelled out: on Node 20 (V8 11) `{ ...spread, more }` builds a new hidden class per object.
      budget: budget && {
        capacity: budget.capacity,
        refillPerSuccess: budget.refillPerSuccess,
        key: `${prefix}:budget:${vendor}`,
      },
      sharedCacheMs: options.sharedStateCacheMs ?? 25,
      keepProcessAlive: options.keepProcessAlive ?? true,
      availability: cluster,
      unavailableError: (cause) => pacingUnavailableError(vendor, cause),
      onClose: () => {
        if (pacers.get(key)?.handle === handle) pacers.delete(key);
      },
    });
    pacers.set(key, {
      handle,
      lastUsedMs: time.now(),
      vendor,
      limits: request.limits,
    });
    armSweep();
    return handle.pacer;
  };

  return {
    pacer,
    on: (name, listener) => events.on(name, listener),
    close() {
      closing ??= (async () => {
        cancelSweep?.();
        cancelSweep = undefined;
        lastKeys.clear();
        await Promise.all([...pacers.values()].map(({ handle }) => handle.pacer.close()));
        await store.close();
        events.clear();
      })();
      return closing;
    },
  };
}

/** `vendor`, or `vendor:<16 hex of sha256(credential)>`: distinct per key, and safe to log or store. */
export function pacerKey(vendor: string, credential: string | undefined): string {
  if (credential === undefined || credential === '') return vendor;
  return `${vendor}:${createHash('sha256').update(credential).digest('hex').slice(0, 16)}`;
}

/** Namespaces the gate/adaptive keys (budget keys are already full keys). */
function stateStore(store: PacingStore, prefix: string): PacingStore {
  const stateKey = (key: string): string => `${prefix}:state:${key}`;
  return {
    shared: store.shared,
    read: (key) => store.read(stateKey(key)),
    backoff: (key, update) => store.backoff(stateKey(key), update),
    raiseConcurrency: (key, ceiling) => store.raiseConcurrency(stateKey(key), ceiling),
    claimStart: (key, minTimeMs) => store.claimStart(`${prefix}:start:${key}`, minTimeMs),
    countSend: (key, nowMs, spacingMs) => store.countSend(stateKey(key), nowMs, spacingMs),
    setThrottle: (key, throttleAtMs, rates) => store.setThrottle(stateKey(key), throttleAtMs, rates),
    forget: (key) => {
      store.forget(stateKey(key));
      store.forget(`${prefix}:start:${key}`);
    },
    takeRetryToken: (key, capacity) => store.takeRetryToken(key, capacity),
    refillRetryTokens: (key, amount, capacity) => store.refillRetryTokens(key, amount, capacity),
    close: () => Promise.resolve(),
  };
}

function definedOnly(limits: PacerLimits | undefined): PacerLimits {
  const out: PacerLimits = {};
  if (limits?.requestsPerMinute !== undefined) out.requestsPerMinute = limits.requestsPerMinute;
  if (limits?.maxConcurrent !== undefined) out.maxConcurrent = limits.maxConcurrent;
  return out;
}

function validLimit(value: number | undefined, name: string, vendor: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`pacing for ${vendor}: ${name} must be a positive number, got ${String(value)}`);
  }
  // A concurrency under 1 (or a fraction) lets no call start: refused rather than hanging every call.
  if (name === 'maxConcurrent' && !(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(
      `pacing for ${vendor}: maxConcurrent must be a whole number ≥ 1, got ${String(value)}`,
    );
  }
  return value;
}
