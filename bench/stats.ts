/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** One row of the benchmark table: a measured figure next to its target. */
export interface BenchRow {
  scenario: string;
  metric: string;
  /** The measured value (median over runs where the scenario repeats). */
  value: number;
  unit: string;
  /** Human-readable target, e.g. "≥ 0.97". */
  target: string;
  met: boolean;
  /** What was compared, how many runs, and anything a reader needs to trust the number. */
  detail: string;
}
