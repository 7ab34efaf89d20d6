import type { Backoff } from './compiled.js';

/** Computed backoff when neither rule nor policy sets one: first retry about 0.5–1 s, never over 20 s. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, factor: 2, maxMs: 20_000, minMs: 0, jitter: 'equal' };

/** Attempts per action when the policy sets none (an attempt number at or past the cap fails as exhausted). */
export const DEFAULT_MAX_ATTEMPTS = { retry: 4, backoff: 6, resubmit: 2, reconnect: 6 } as const;

/** Longest server-given wait honoured by default, in milliseconds. */
export const DEFAULT_SERVER_WAIT_MAX_MS = 120_000;

/** Default jitter added on top of a server-given wait, as a share of it. */
export const DEFAULT_SERVER_WAIT_JITTER_RATIO = 0.1;

/** Default poll interval when a policy documents none, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** Default poll deadline when a policy documents none, in milliseconds. */
export const DEFAULT_POLL_DEADLINE_MS = 10 * 60_000;
