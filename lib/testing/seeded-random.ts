/** A deterministic source of numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded PRNG (mulberry32). Probabilistic faults draw from it so a plan with the same seed and the
 * same request order fires the same faults on every run.
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
