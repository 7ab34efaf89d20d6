/** Formats a duration in milliseconds for people: `850 ms`, `4.2 s`, `3 min 20 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/** Pads or cuts `text` to exactly `width` characters. */
export function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Display names of the two sides. */
export const SIDE_LABELS = {
  'vendor-resilience': 'vendor-resilience',
  baseline: 'got retry (baseline)',
} as const;
