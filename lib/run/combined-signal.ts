/** Abort signals (the caller's, adapter-level and per-request, a deadline), combined into one; `undefined` without any. */
export function combinedSignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
