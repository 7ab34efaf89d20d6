// node:timers' own functions, not the globals: jest's fake timers replace the globals (setImmediate
// too, by default), and the turn that tells "the process is idle" must be a real one.
import { clearImmediate, setImmediate } from 'node:timers';
import type { Clock } from '../core/engine/types.js';
import { abortReason } from '../run/sleep.js';
import { ArgumentCheck } from '../run/validate-arguments.js';

/**
 * A clock that only moves when told to (or by itself, with `autoAdvance`): lets a test cross a
 * 60 s warm-up or a 15 s poll schedule instantly. Its `sleep` is the wait of every adapter,
 * pacer and simulator given this clock, so advancing it releases retry waits, poll intervals,
 * backoff gates and rate spacing; nothing given it runs on real timers.
 */
export interface ManualClock extends Clock {
  /** Abort-aware wait that ends when the clock reaches `now() + delayMs`. */
  sleep(delayMs: number, options?: { signal?: AbortSignal | undefined; unref?: boolean }): Promise<void>;
  /**
   * Moves time forward by `deltaMs` (must be ≥ 0) and ends the waits it passes. Their code runs
   * after the caller's current step; use {@link ManualClock.advanceAsync} to let each continuation
   * run, and wait again, before time moves on.
   */
  advance(deltaMs: number): void;
  /** Jumps to the absolute time `timeMs` (must not go backwards), ending the waits it passes. */
  set(timeMs: number): void;
  /**
   * Moves time forward by `deltaMs` one wait at a time, letting what each wait releases run (and
   * start new waits) before the next: the way real time would pass.
   */
  advanceAsync(deltaMs: number): Promise<void>;
  /** Waits not yet ended (including unref'd ones). */
  pendingWaits(): number;
  /** Stops advancing by itself and rejects nothing: pending waits stay pending (for teardown). */
  dispose(): void;
}

/** Options of {@link createManualClock}. */
export interface ManualClockOptions {
  /**
   * Advance by itself: whenever the process has nothing else to do (a `setImmediate` turn) and a
   * wait is pending, jump to the earliest one and end it. Waits started with `unref` (the
   * adapters' deadline watch) do not pull time forward; they end when time passes them. Default false.
   */
  autoAdvance?: boolean | undefined;
}

interface PendingWait {
  atMs: number;
  /** Order of creation: equal times end in the order they were started. */
  seq: number;
  unref: boolean;
  resolve(): void;
}

/** Creates a {@link ManualClock} starting at `startMs` (default 0). */
export function createManualClock(startMs = 0, options: ManualClockOptions = {}): ManualClock {
  const check: ArgumentCheck = new ArgumentCheck('createManualClock');
  check.number('startMs', startMs);
  check.options('options', options);
  check.boolean('options.autoAdvance', options.autoAdvance);
  let currentMs = startMs;
  let seq = 0;
  let disposed = false;
  let autoTurn: ReturnType<typeof setImmediate> | undefined;
  const waits = new Set<PendingWait>();

  const earliest = (refOnly: boolean): PendingWait | undefined => {
    let first: PendingWait | undefined;
    for (const w of waits) {
      if (refOnly && w.unref) continue;
      if (!first || w.atMs < first.atMs || (w.atMs === first.atMs && w.seq < first.seq)) first = w;
    }
    return first;
  };

  /** Ends, in order, every wait due at the current time. */
  const release = (): void => {
    for (let due = earliest(false); due && due.atMs <= currentMs; due = earliest(false)) {
      waits.delete(due);
      due.resolve();
    }
  };

  const moveTo = (timeMs: number): void => {
    currentMs = timeMs;
    release();
  };

  const scheduleAutoTurn = (): void => {
    if (!options.autoAdvance || disposed || autoTurn !== undefined) return;
    // setImmediate runs after pending I/O callbacks and every microtask: the process is idle but
    // for its waits. Only waits someone awaits (not unref'd watches) keep this loop turning.
    autoTurn = setImmediate(() => {
      autoTurn = undefined;
      const next = earliest(true);
      if (!next || disposed) return;
      moveTo(Math.max(currentMs, next.atMs));
      scheduleAutoTurn();
    });
  };

  const clock: ManualClock = {
    now: () => currentMs,
    sleep(delayMs, sleepOptions = {}) {
      const { signal, unref = false } = sleepOptions;
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          waits.delete(wait);
          reject(abortReason(signal as AbortSignal));
        };
        const wait: PendingWait = {
          atMs: currentMs + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0),
          seq: seq++,
          unref,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        if (wait.atMs <= currentMs) {
          // A zero wait still yields, like a zero timer, but needs no advance.
          queueMicrotask(wait.resolve);
          return;
        }
        waits.add(wait);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (!unref) scheduleAutoTurn();
      });
    },
    advance(deltaMs) {
      new ArgumentCheck('advance').number('deltaMs', deltaMs);
      if (!(deltaMs >= 0)) throw new RangeError(`advance(deltaMs): expected a number ≥ 0, got ${deltaMs}`);
      moveTo(currentMs + deltaMs);
    },
    set(timeMs) {
      new ArgumentCheck('set').number('timeMs', timeMs);
      if (!(timeMs >= currentMs))
        throw new RangeError(`set(timeMs): time cannot go backwards (${timeMs} < ${currentMs})`);
      moveTo(timeMs);
    },
    async advanceAsync(deltaMs) {
      new ArgumentCheck('advanceAsync').number('deltaMs', deltaMs);
      if (!(deltaMs >= 0))
        throw new RangeError(`advanceAsync(deltaMs): expected a number ≥ 0, got ${deltaMs}`);
      const endMs = currentMs + deltaMs;
      await settleTurn();
      for (let next = earliest(false); next && next.atMs <= endMs; next = earliest(false)) {
        moveTo(Math.max(currentMs, next.atMs));
        await settleTurn();
      }
      moveTo(endMs);
      await settleTurn();
    },
    pendingWaits: () => waits.size,
    dispose() {
      disposed = true;
      if (autoTurn !== undefined) clearImmediate(autoTurn);
      autoTurn = undefined;
    },
  };
  return clock;
}

/** One full turn of the event loop: every microtask and the I/O callbacks already due have run. */
function settleTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
