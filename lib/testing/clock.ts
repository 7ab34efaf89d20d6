/** The simulator's source of time, in milliseconds since the epoch (injectable so tests can simulate long windows). */
export interface SimulatorClock {
  /** The current time in milliseconds. */
  now(): number;
}

/** The wall clock (`Date.now`), the simulator's default. */
export const systemClock: SimulatorClock = { now: () => Date.now() };

/** A clock that only moves when told to: lets a test cross a 60 s warm-up or a 10 s poll interval instantly. */
export interface ManualClock extends SimulatorClock {
  /** Moves time forward by `deltaMs` (must be ≥ 0). */
  advance(deltaMs: number): void;
  /** Jumps to the absolute time `timeMs` (must not go backwards). */
  set(timeMs: number): void;
}

/** Creates a {@link ManualClock} starting at `startMs` (default 0). */
export function createManualClock(startMs = 0): ManualClock {
  let currentMs = startMs;
  return {
    now: () => currentMs,
    advance(deltaMs: number): void {
      if (!(deltaMs >= 0)) throw new RangeError(`advance(deltaMs): expected a number ≥ 0, got ${deltaMs}`);
      currentMs += deltaMs;
    },
    set(timeMs: number): void {
      if (!(timeMs >= currentMs))
        throw new RangeError(`set(timeMs): time cannot go backwards (${timeMs} < ${currentMs})`);
      currentMs = timeMs;
    },
  };
}
