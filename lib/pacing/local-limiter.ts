import type { SlotLimiter, SlotSettings } from './slot-limiter.js';

interface WaitingSlot {
  weight: number;
  job: () => Promise<void>;
}

/**
 * The in-process {@link SlotLimiter}: a weighted concurrency limit, nothing more (the pacer
 * spaces starts itself, on its own time source).
 *
 * Slots start in order, so a heavy call is not starved by light ones behind it, with one
 * exception: a slot heavier than the limit now allows (asked before concurrency was lowered) is
 * passed over instead of holding up the whole queue until the limit grows back (bottleneck's
 * strict order would block every later slot behind it for as long as no success raises it).
 */
export function createLocalLimiter(settings: SlotSettings): SlotLimiter {
  let maxConcurrent = settings.maxConcurrent;
  let running = 0;
  let stopped = false;
  const waiting: WaitingSlot[] = [];

  const start = (slot: WaitingSlot): void => {
    running += slot.weight;
    void Promise.resolve()
      .then(slot.job)
      // The job settles its caller itself; nothing to report here.
      .catch(() => undefined)
      .finally(() => {
        running -= slot.weight;
        startWhatFits();
      });
  };

  /** Counts `weight` as running until the returned function is called (once; later calls do nothing). */
  const hold = (weight: number): (() => void) => {
    running += weight;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      running -= weight;
      startWhatFits();
    };
  };

  const startWhatFits = (): void => {
    for (let i = 0; !stopped && i < waiting.length;) {
      const slot = waiting[i] as WaitingSlot;
      if (maxConcurrent !== undefined && slot.weight > maxConcurrent) {
        i++; // cannot start under today's limit: later slots go first
        continue;
      }
      if (maxConcurrent !== undefined && running + slot.weight > maxConcurrent) return; // keeps its turn
      waiting.splice(i, 1);
      start(slot);
    }
  };

  return {
    submit(weight, job) {
      if (stopped) return;
      waiting.push({ weight, job });
      startWhatFits();
    },
    tryStart(weight) {
      // Only when nothing waits: a slot taken out of turn must not pass one submitted before it.
      if (stopped || waiting.length > 0) return undefined;
      if (maxConcurrent !== undefined && running + weight > maxConcurrent) return undefined;
      return hold(weight);
    },
    holdExtra: hold,
    async update(next) {
      maxConcurrent = next.maxConcurrent;
      startWhatFits();
    },
    async stop() {
      stopped = true;
      waiting.length = 0;
    },
  };
}
