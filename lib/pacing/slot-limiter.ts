/**
 * The only thing pacing needs from a rate/concurrency limiter. bottleneck implements it today
 * (see bottleneck-limiter.ts); it is unmaintained, so nothing else in lib/pacing imports it.
 */
export interface SlotLimiter {
  /**
   * Runs `job` when a slot is free: at most `maxConcurrent` weight running (across processes in
   * cluster mode). Starts are not spaced here: the pacer claims each start from its store
   * (`PacingStore.claimStart`), which follows the rate as it changes; a limiter that planned
   * start times would keep slots planned at an old, slower rate. Errors of `job` are the
   * caller's business: implementations must not let them escape as unhandled rejections.
   * `onDropped` is told when the limiter gives up on a slot it will never start (a Redis script
   * error in cluster mode), so the caller does not wait for it; not after `stop()`.
   */
  submit(weight: number, job: () => Promise<void>, onDropped?: (error: Error) => void): void;
  /**
   * Takes a slot at once when one is free and no submitted slot waits: returns the function that
   * gives it back (the caller runs its work itself), or `undefined`. Optional: a limiter that can
   * only start slots in turn (bottleneck) leaves it out, and callers then `submit`.
   */
  tryStart?(weight: number): (() => void) | undefined;
  /**
   * Counts `weight` more as running until the returned function is called: a call whose slot was
   * asked lighter than the call (its weight capped at a lowered limit, so it could start at all)
   * holds its full weight once running, so the limit growing back does not let others past it.
   * Optional: a limiter without it (bottleneck) counts only the slot's weight.
   */
  holdExtra?(weight: number): () => void;
  /** Changes the limits; `undefined` means unlimited. */
  update(settings: SlotSettings): Promise<void>;
  /** Drops queued slots, and (cluster mode) unregisters from the shared store. Idempotent. */
  stop(): Promise<void>;
}

/** Limits of a {@link SlotLimiter}. */
export interface SlotSettings {
  maxConcurrent: number | undefined;
}
