import { liveWork } from './live-work.js';

/** Options for {@link sleep}. */
export interface SleepOptions {
  /** Rejects the wait at once with the signal's reason when aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Let the process exit while waiting. Default false: a retry or poll wait is part of a call
   * someone awaits, and exiting under it would drop the call silently. Set true for housekeeping.
   */
  unref?: boolean;
}

/**
 * Longest delay one Node timer takes: setTimeout sets a longer one to 1 ms (TimeoutOverflowWarning),
 * and a policy may allow waits of years (`serverWait.maxMs` with `overCap: "clamp"`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `delayMs` milliseconds (in steps of at most {@link MAX_TIMER_MS}); abort-aware. Leaves no timer or listener behind. */
export function sleep(delayMs: number, options: SleepOptions = {}): Promise<void> {
  const { signal, unref = false } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  // Only a wait someone awaits counts as work under way; an unref'd one is housekeeping.
  const counted = unref ? 0 : 1;
  liveWork.sleeps += counted;
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      liveWork.sleeps -= counted;
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    // Counted down rather than read from a clock, so fake timers drive a long wait like a short one.
    let leftMs = Math.max(0, delayMs);
    const next = (): void => {
      const stepMs = Math.min(leftMs, MAX_TIMER_MS);
      leftMs -= stepMs;
      timer = setTimeout(() => {
        if (leftMs > 0) {
          next();
          return;
        }
        liveWork.sleeps -= counted;
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, stepMs);
      if (unref) timer.unref?.();
    };
    next();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The abort reason as an Error (an `AbortError` DOMException when the signal gave none). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'This operation was aborted', 'AbortError');
}
