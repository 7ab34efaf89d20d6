import type { Decision } from '../../../lib/core/engine/types.js';

/** A decision as the engine would give it, with only the fields pacing reads set to something meaningful. */
export function decision(overrides: Partial<Decision> & Pick<Decision, 'action'>): Decision {
  return {
    category: overrides.action === 'ok' ? 'ok' : 'server_error',
    delayMs: 0,
    delaySource: overrides.action === 'ok' || overrides.action === 'fail' ? 'none' : 'computed',
    rule: 'testvendor#rule',
    reason: 'test decision.',
    ...overrides,
  };
}

/** A task that resolves after `delayMs` (fake or real timers), recording when it started. */
export function timedTask<T>(starts: number[], delayMs: number, value: T): () => Promise<T> {
  return () => {
    starts.push(Date.now());
    return new Promise((resolve) => setTimeout(() => resolve(value), delayMs));
  };
}

/** Advances jest's fake timers in small steps until `promise` settles (bottleneck starts jobs from timers). */
export async function settleWithFakeTimers<T>(
  advance: (ms: number) => Promise<unknown>,
  promise: Promise<T>,
  maxMs = 5000,
): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => undefined);
  for (let elapsed = 0; !settled && elapsed < maxMs; elapsed += 5) await advance(5);
  return tracked;
}
