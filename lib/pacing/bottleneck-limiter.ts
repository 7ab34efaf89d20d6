import Bottleneck from 'bottleneck';
import type { SlotLimiter, SlotSettings } from './slot-limiter.js';

/** Cluster-mode settings of {@link createBottleneckLimiter}. */
export interface BottleneckClusterOptions {
  /** Limiters with the same id share their limits through Redis. */
  id: string;
  connection: Bottleneck.IORedisConnection;
  /** Redis TTL of the limiter's keys after inactivity, so abandoned ids clean themselves up. */
  idleExpiryMs: number;
}

/** Options of {@link createBottleneckLimiter}. */
export interface BottleneckLimiterOptions extends SlotSettings {
  /** Absent: an in-process limiter. */
  cluster?: BottleneckClusterOptions | undefined;
  /** Errors bottleneck reports outside any job (Redis script failures in cluster mode). */
  onError: (error: Error) => void;
  /** Upper bound on stop(), which in cluster mode talks to a Redis that may be gone. */
  stopTimeoutMs: number;
}

/** A {@link SlotLimiter} on bottleneck 2 (in-process, or shared through its ioredis datastore). */
export function createBottleneckLimiter(options: BottleneckLimiterOptions): SlotLimiter {
  const { cluster } = options;
  const limiter = new Bottleneck({
    maxConcurrent: options.maxConcurrent ?? null,
    // No minTime: bottleneck plans a start time for each job it registers (in cluster mode a
    // reservation in Redis), so slots asked at a slow rate stay planned at it after the rate
    // rises (four processes were held at one start every 2 s for 20 s once a probe had begun at
    // 0.5/s). The pacer spaces starts by claiming each one in Redis instead.
    ...(cluster
      ? {
          id: cluster.id,
          datastore: 'ioredis',
          connection: cluster.connection,
          // Another process may already pace this id: keep its state instead of wiping it.
          clearDatastore: false,
          timeout: cluster.idleExpiryMs,
        }
      : {}),
  });
  limiter.on('error', (error: unknown) => options.onError(toError(error)));
  // bottleneck sets a limiter up in Redis (scripts, subscriptions) in a promise only its jobs
  // await: closed before that ended (a pacer asked for and the pacing closed), the connection's
  // closing rejected it with nobody listening, an unhandled rejection that ends a Node process.
  // A real failure reaches the caller through its jobs and the connection's loss handler.
  if (cluster) limiter.ready().catch(() => undefined);
  let stopped: Promise<void> | undefined;
  return {
    submit(weight, job, onDropped) {
      // The job settles its caller itself: a rejection here is bottleneck dropping the slot (a
      // script error in Redis, or stop()), which the caller must hear of or wait for ever.
      limiter.schedule({ weight }, job).catch((error: unknown) => {
        if (stopped === undefined) onDropped?.(toError(error));
      });
    },
    async update(settings) {
      await limiter.updateSettings({ maxConcurrent: settings.maxConcurrent ?? null });
    },
    stop() {
      if (stopped) return stopped;
      if (cluster) unsubscribe(limiter, cluster.connection);
      stopped = boundedStop(limiter, options.stopTimeoutMs, () => {
        // Stopped before its set-up ended, it subscribes and starts its heartbeat at the end of it.
        if (cluster)
          limiter.ready().then(
            () => leaveConnection(limiter, cluster.connection),
            () => undefined,
          );
      });
      return stopped;
    },
  };
}

async function boundedStop(limiter: Bottleneck, timeoutMs: number, stoppedAll: () => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    // Real time, not the pacing's clock: bottleneck runs on real timers and Redis commands, and
    // this bounds how long its stop may take in wall-clock time.
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  const work = (async () => {
    await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    // Its jobs have ended: the heartbeat that keeps them counted for the other processes can stop.
    stoppedAll();
    // No limiter.disconnect() in cluster mode: see unsubscribe(). Closing the shared connection
    // afterwards (pacing.close) stops what a stop cut short by the deadline left running.
  })();
  await Promise.race([work, deadline]);
  clearTimeout(timer);
  clearPlannedStarts(limiter);
}

/** bottleneck's internals that {@link unsubscribe} and {@link leaveConnection} undo. */
interface SharedConnectionInternals {
  limiters: Record<string, unknown>;
  subscriber: { unsubscribe(channel: string): Promise<unknown> };
  terminated?: boolean;
}

/** A limiter's two pub/sub channels: the one every limiter of its id shares, and its own. */
function channelsOf(limiter: Bottleneck): { common: string; own: string } {
  const named = limiter as unknown as { channel(): string; channel_client(): string };
  return { common: named.channel(), own: named.channel_client() };
}

/**
 * Unsubscribes a stopping limiter from its channels on the shared connection, as
 * `limiter.disconnect()` would without its flaws: that one unsubscribes through promises it drops
 * (an unhandled rejection when Redis is gone), and also when a newer limiter of the same id (the
 * successor of a pacer dropped as idle) has subscribed to the common channel since. Called before
 * any await of `stop()`: no successor can have subscribed yet, and the connection runs commands
 * in order, so a successor's later subscription stands.
 */
function unsubscribe(limiter: Bottleneck, connection: Bottleneck.IORedisConnection): void {
  const shared = connection as unknown as SharedConnectionInternals;
  if (shared.terminated) return;
  for (const channel of Object.values(channelsOf(limiter))) {
    if (shared.limiters[channel] === limiter) shared.subscriber.unsubscribe(channel).catch(() => undefined);
  }
}

/**
 * Drops a stopped limiter whose jobs have ended from the shared connection: its heartbeat, its
 * entries in the connection's table (not a successor's), and its own channel if it subscribed
 * after {@link unsubscribe} (stopped during its set-up). Without this, a pacer dropped as idle
 * stayed subscribed, in the table and heartbeating (a script every 5 s) until the pacing closed.
 */
function leaveConnection(limiter: Bottleneck, connection: Bottleneck.IORedisConnection): void {
  const shared = connection as unknown as SharedConnectionInternals;
  const { common, own } = channelsOf(limiter);
  if (shared.limiters[own] === limiter && !shared.terminated)
    shared.subscriber.unsubscribe(own).catch(() => undefined);
  for (const channel of [common, own]) {
    if (shared.limiters[channel] === limiter) delete shared.limiters[channel];
  }
  const store = (limiter as unknown as { _store?: { heartbeat?: ReturnType<typeof setInterval> } })._store;
  clearInterval(store?.heartbeat);
}

/**
 * bottleneck's stop() clears the timers of jobs it planned only once its internal locks are
 * free, and with Redis gone they are held by register calls that each wait for a command
 * timeout; meanwhile those timers (up to the whole queue's wait) keep the process alive. The
 * jobs are dead either way (the pacer has failed their callers), so clear the timers directly.
 */
function clearPlannedStarts(limiter: Bottleneck): void {
  type Planned = { timeout?: ReturnType<typeof setTimeout>; expiration?: ReturnType<typeof setTimeout> };
  const planned = (limiter as unknown as { _scheduled?: Record<string, Planned> })._scheduled ?? {};
  for (const entry of Object.values(planned)) {
    clearTimeout(entry.timeout);
    clearTimeout(entry.expiration);
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
