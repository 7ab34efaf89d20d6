import type { Scheduler } from '../../lib/adapters/ws/index.js';

/** A scheduler that records every wait the session asks for and runs it on the next turn instead. */
export interface RecordingScheduler extends Scheduler {
  /** Every requested wait, in milliseconds, in order. */
  delaysMs: number[];
  /** Waits still pending (not run, not cleared). */
  pending(): number;
  /** Cancels every pending wait (for test teardown). */
  dispose(): void;
}

/** Creates a {@link RecordingScheduler}. */
export function recordingScheduler(): RecordingScheduler {
  const live = new Set<ReturnType<typeof setImmediate>>();
  const delaysMs: number[] = [];
  return {
    delaysMs,
    setTimeout(callback, delayMs) {
      delaysMs.push(delayMs);
      const handle = setImmediate(() => {
        live.delete(handle);
        callback();
      });
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      clearImmediate(handle as ReturnType<typeof setImmediate>);
      live.delete(handle as ReturnType<typeof setImmediate>);
    },
    pending: () => live.size,
    dispose() {
      for (const handle of live) clearImmediate(handle);
      live.clear();
    },
  };
}
