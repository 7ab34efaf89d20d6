import type { Backoff, CompiledPolicy } from '../policy/compiled.js';
import { ArgumentCheck, isRecord } from '../../run/validate-arguments.js';

function exponential(backoff: Backoff, attempt: number): number {
  const grown = backoff.baseMs * Math.pow(backoff.factor, Math.max(0, attempt - 1));
  return Math.min(backoff.maxMs, Number.isFinite(grown) ? grown : backoff.maxMs);
}

/**
 * Computed wait before try `attempt + 1`, in milliseconds: exponential growth capped at `maxMs`,
 * spread by the configured jitter (full, equal, or a stateless form of decorrelated), never below `minMs`.
 */
export function computedBackoffMs(backoff: Backoff, attempt: number, random: () => number): number {
  // Runs for every computed wait: the checker is only made when an argument is wrong.
  if (!isRecord(backoff) || typeof attempt !== 'number' || typeof random !== 'function') {
    const check: ArgumentCheck = new ArgumentCheck('computedBackoffMs');
    check.object('backoff', backoff, "a policy's backoff settings (policy.backoff)");
    check.that(typeof attempt === 'number', 'attempt', 'a number', attempt);
    check.function('random', random, true);
  }
  const cap = exponential(backoff, attempt);
  const r = Math.min(Math.max(random(), 0), 1);
  let ms: number;
  switch (backoff.jitter) {
    case 'none':
      ms = cap;
      break;
    case 'full':
      ms = backoff.minMs + r * Math.max(0, cap - backoff.minMs);
      break;
    case 'equal':
      ms = cap / 2 + (r * cap) / 2;
      break;
    case 'decorrelated': {
      const previous = attempt <= 1 ? backoff.baseMs : exponential(backoff, attempt - 1);
      const upper = Math.min(backoff.maxMs, Math.max(backoff.baseMs, previous * 3));
      ms = backoff.baseMs + r * (upper - backoff.baseMs);
      break;
    }
  }
  return Math.ceil(Math.min(backoff.maxMs, Math.max(backoff.minMs, ms)));
}

/**
 * The policy's poll interval before poll number `attempt + 1`, in milliseconds. The schedule is
 * keyed by time spent polling, estimated as the sum of the earlier intervals, so it stays a pure
 * function of the attempt number.
 */
export function scheduledPollIntervalMs(policy: CompiledPolicy, attempt: number): number {
  if (!isRecord(policy?.polling) || typeof attempt !== 'number') {
    const check: ArgumentCheck = new ArgumentCheck('scheduledPollIntervalMs');
    check.compiledPolicy('policy', policy);
    check.that(typeof attempt === 'number', 'attempt', 'a number', attempt);
  }
  const { schedule, intervalMs, minIntervalMs } = policy.polling;
  if (schedule.length === 0) return Math.max(minIntervalMs, intervalMs);
  const at = (elapsedMs: number): number => {
    let interval = intervalMs;
    for (const step of schedule) if (elapsedMs >= step.afterMs) interval = step.intervalMs;
    return interval;
  };
  let elapsed = 0;
  const last = schedule[schedule.length - 1];
  for (let n = 1; n < attempt && n < 10_000; n++) {
    if (last !== undefined && elapsed >= last.afterMs) break;
    elapsed += Math.max(1, at(elapsed));
  }
  return Math.max(minIntervalMs, at(elapsed));
}
