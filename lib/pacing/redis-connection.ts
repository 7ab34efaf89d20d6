import { createRequire } from 'node:module';
import Bottleneck from 'bottleneck';

/**
 * The part of an ioredis client pacing uses. Structural, so ioredis stays an optional peer:
 * users who never enable cluster mode need neither the package nor its types.
 */
export interface RedisClientLike {
  readonly status: string;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  duplicate(override?: Record<string, unknown>): RedisClientLike;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  disconnect(): void;
}

/** Options of {@link openClusterConnection}. */
export interface ClusterConnectionOptions {
  /** Bound on every Redis command and on the first connection, in milliseconds. */
  timeoutMs: number;
  /**
   * Called once per loss (connection closed, a command did not answer in time), and for each
   * error reply (Redis answered: nothing is latched, the next command tries again).
   */
  onLost: (error: Error) => void;
}

/** Redis connections pacing owns: one for our scripts and bottleneck's, plus bottleneck's subscriber. */
export interface ClusterConnection {
  readonly client: RedisClientLike;
  readonly bottleneck: Bottleneck.IORedisConnection;
  /** Resolves once connected; rejects with a clear error after `timeoutMs`. */
  ready(): Promise<void>;
  /** The current loss, or `undefined` while Redis answers. */
  lostError(): Error | undefined;
  /** Runs `command` with the time bound, reporting a failure as a loss. */
  run<T>(what: string, command: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens pacing's own connections. A given client is duplicated, never used or closed itself, so
 * the caller keeps full control of it; a URL needs the `ioredis` package.
 */
export function openClusterConnection(
  redis: RedisClientLike | string,
  options: ClusterConnectionOptions,
): ClusterConnection {
  const { timeoutMs } = options;
  // Fail commands instead of queueing them for ever while Redis is away.
  // close() waits for nothing: a socket it ends is destroyed at once, not after ioredis' 2 s.
  const ownOptions = {
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    disconnectTimeout: 0,
  };
  const client =
    typeof redis === 'string' ? createClientFromUrl(redis, ownOptions) : redis.duplicate(ownOptions);
  const bottleneck = new Bottleneck.IORedisConnection({
    client,
    // bottleneck otherwise `require`s ioredis itself (and would find none under some bundlers).
    Redis: (client as unknown as { constructor: unknown }).constructor,
  });
  understandRedis7Errors(bottleneck);
  let lost: Error | undefined;
  let closed = false;
  /** Cancels the pending wait of {@link probeUntilAnswered}. */
  let cancelProbe: (() => void) | undefined;
  const markLost = (error: Error): void => {
    if (closed || lost) return;
    if (error.name === 'ReplyError') {
      options.onLost(error); // the calls of the moment fail; Redis is there for the next ones
      return;
    }
    lost = error;
    options.onLost(error);
    if (client.status === 'ready') probeUntilAnswered();
  };
  /**
   * A loss over a connection that stays up (a command timed out on a slow Redis) brings no
   * 'ready' event to end it: ask Redis until it answers in time, then it is over.
   * Every `timeoutMs`, on an unref'd timer: the probing keeps no process alive.
   */
  const probeUntilAnswered = (): void => {
    if (cancelProbe) return;
    const timer = setTimeout(() => {
      withTimeout(client.eval('return 1', 0), timeoutMs, 'Redis did not answer a probe')
        .then(
          () => {
            cancelProbe = undefined;
            if (client.status === 'ready') lost = undefined;
          },
          () => {
            cancelProbe = undefined;
            // A closed connection ends the loss with its 'ready' event instead.
            if (!closed && lost && client.status === 'ready') probeUntilAnswered();
          },
        )
        .catch(() => undefined);
    }, timeoutMs);
    timer.unref();
    cancelProbe = () => clearTimeout(timer);
  };
  client.on('ready', () => {
    lost = undefined;
  });
  client.on('close', () => markLost(new Error(`the Redis connection closed`)));
  client.on('error', () => undefined); // ioredis logs unhandled 'error' events; losses are reported via 'close'.
  bottleneck.on('error', (error: unknown) => markLost(asError(error)));
  // bottleneck's typings declare `ready()`, but 2.19.5 sets `ready` to a promise.
  const readyValue = (bottleneck as unknown as { ready: unknown }).ready;
  const readyPromise = (
    typeof readyValue === 'function' ? readyValue.call(bottleneck) : readyValue
  ) as Promise<unknown>;
  const connected = withTimeout(
    readyPromise.then(() => undefined),
    timeoutMs,
    `Redis did not accept a connection within ${timeoutMs} ms`,
  );
  connected.catch(() => undefined);
  return {
    client,
    bottleneck,
    ready: () => connected,
    lostError: () => lost,
    async run(what, command) {
      try {
        return await withTimeout(command(), timeoutMs, `Redis did not answer ${what} within ${timeoutMs} ms`);
      } catch (error) {
        markLost(asError(error));
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      cancelProbe?.();
      // Non-flushing: quit() would wait for a Redis that may be gone.
      await bottleneck.disconnect(false);
      const { subscriber } = bottleneck as unknown as { subscriber?: RedisClientLike };
      for (const each of [client, subscriber]) if (each) endStranded(each);
    },
  };
}

/**
 * ioredis (5.x) does not end a client that was waiting to reconnect when it is disconnected: its
 * socket is already closed, so no event comes to flush its offline queue (bottleneck's unsubscribes
 * as the pacers close), whose commands keep their `commandTimeout` timers and the process alive
 * that long (redis/ioredis#1535, #2169). Such a client's queue is flushed as its close would.
 */
function endStranded(client: RedisClientLike): void {
  const internals = client as RedisClientLike & { flushQueue?: (error: Error) => void };
  if (client.status !== 'reconnecting' || typeof internals.flushQueue !== 'function') return;
  internals.flushQueue(new Error('Connection is closed.'));
}

/** bottleneck's own recoverable script errors (its keys expired or were flushed; a client unknown to Redis). */
const RECOVERABLE_REPLY = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/**
 * bottleneck re-creates its Redis state when a script answers `SETTINGS_KEY_NOT_FOUND` (its keys
 * expired after `idleExpiryMs`, Redis restarted without persistence, `FLUSHALL`) and registers
 * again on `UNKNOWN_CLIENT`. Redis 7 prefixes such script errors with `ERR `, which bottleneck
 * 2.19.5 (unmaintained) does not expect: it then rejects every later job, and a call queued for
 * a slot waits for ever. The script callbacks get the message as bottleneck knows it.
 */
function understandRedis7Errors(connection: Bottleneck.IORedisConnection): void {
  type ScriptCallback = (error: Error | null, replies: unknown) => void;
  const internal = connection as unknown as { __scriptFn__(name: string): (...args: unknown[]) => unknown };
  const scriptFn = internal.__scriptFn__.bind(connection);
  internal.__scriptFn__ = (name) => {
    const run = scriptFn(name);
    return (...args) => {
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        args[args.length - 1] = ((error, replies) => {
          const match = error ? RECOVERABLE_REPLY.exec(error.message) : null;
          if (error && match) error.message = match[1] as string;
          (callback as ScriptCallback)(error, replies);
        }) satisfies ScriptCallback;
      }
      return run(...args);
    };
  };
}

function createClientFromUrl(url: string, options: Record<string, unknown>): RedisClientLike {
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)('ioredis');
  } catch (error) {
    throw new Error('pacing: a Redis URL needs the optional peer dependency "ioredis" (npm i ioredis)', {
      cause: error,
    });
  }
  const module = loaded as { Redis?: unknown; default?: unknown };
  const RedisClass = (module.Redis ?? module.default ?? loaded) as new (
    url: string,
    options: Record<string, unknown>,
  ) => RedisClientLike;
  return new RedisClass(url, options);
}

/** Rejects with `message` when `promise` has not settled after `timeoutMs` (timer unref'd and cleared). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<never>((_, reject) => {
    // Real time, not the pacing's clock: it bounds a Redis round trip, which takes wall-clock
    // time whatever a test clock says (cluster mode needs a real clock anyway).
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
