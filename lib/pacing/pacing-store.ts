import type { ThrottleRates } from './adaptive-math.js';
import type { ProbeSend, SharedEpisode } from './rate-estimate.js';

/**
 * Where the gate deadline, the adaptive state and the retry budget live: in this process
 * (memory-store.ts) or in Redis for every process (redis-store.ts). Every mutation is atomic.
 */

/** The state one pacer key shares with its peers. */
export interface SharedPacingState {
  /** When the backoff gate opens (ms on the pacing clock); 0 when never closed. */
  gateOpenAtMs: number;
  /** The rate the recovery after the last "too many requests" climbs back to (requests per second); 0 = never. */
  lastMaxRatePerSec: number;
  /** When that recovery starts: the gate's opening after the throttle (ms); 0 = never throttled. */
  lastThrottleAtMs: number;
  /** The rate the recovery starts from; 0 = beta × `lastMaxRatePerSec`. */
  restartRatePerSec: number;
  /** The recovery doubles the rate until the next throttle (`ThrottleMemory.probing`). */
  probing: boolean;
  /** The adapted concurrency limit, fractional (additive increase); `undefined` = the configured ceiling. */
  concurrency: number | undefined;
}

/** One `backoff` decision, as a store update. */
export interface BackoffUpdate {
  nowMs: number;
  /** The gate stays closed at least until then (never shortened). */
  openAtMs: number;
  /**
   * A rate-limit answer: the rates to recover from and to (`rememberThrottle`); the recovery
   * starts when the gate opens. Applied only when the gate was open, so a burst of answers to
   * requests already in flight counts once.
   */
  throttle?: ThrottleRates | undefined;
  /** A concurrency-limit answer: lower the limit (also only when the gate was open). */
  concurrencyDecrease?: { ceiling: number | undefined; inFlight: number; beta: number } | undefined;
  /**
   * Shared store only: a rate-limit answer, so the episode counters apply (a fresh throttle ends
   * the episode, kept when calls were queued all along; a late one amends it; see
   * {@link BackoffResult.episodes}).
   */
  countEpisode?: { backlogged: boolean } | undefined;
}

/** The outcome of {@link PacingStore.backoff}. */
export interface BackoffResult {
  state: SharedPacingState;
  /** The gate was open before this update, so the adaptive decrease was applied. */
  fresh: boolean;
  /**
   * Shared store, a fresh counted throttle: the episodes every process counted together (the
   * last few steady ones, the one just ended included), and the one just ended (probing or not).
   */
  episodes?: {
    kept: SharedEpisode[];
    ended: SharedEpisode | undefined;
    /** The ended episode's sends when it was a probe's (for `crossingEpisode`); else empty. */
    probeSends: ProbeSend[];
  };
}

/** The storage behind pacing. Implementations must bound every operation in time. */
export interface PacingStore {
  /** True when several processes share this store (Redis). */
  readonly shared: boolean;
  read(key: string): Promise<SharedPacingState>;
  backoff(key: string, update: BackoffUpdate): Promise<BackoffResult>;
  /** One success: additive increase of an adapted concurrency limit, up to `ceiling`. */
  raiseConcurrency(key: string, ceiling: number | undefined): Promise<SharedPacingState>;
  /**
   * Claims the next send start for a key: 0 when at least `minTimeMs` (fractional) passed since
   * the last claimed slot, else the milliseconds still to wait. This is the only spacing of sends
   * (the limiter counts concurrency): it follows the rate as it changes, and spaces actual starts,
   * not planned ones (a process that lags would fire several planned starts at once). The claimed
   * slot is the due time, not the (later) time of the claim, when the claim is at most
   * {@link lateStartAllowanceMs} late: timer lag then does not lower the rate (a 1 ms late wake-up
   * at 50 requests/s would otherwise pace at 47.6/s). Later than that (a stall, or no demand), the
   * slot is the claim's time: what was missed is not made up in a burst. (The Redis store allows
   * no lateness: across processes a margin under the limit is worth more than the last 2% of rate.)
   */
  claimStart(key: string, minTimeMs: number): Promise<number>;
  /**
   * Shared store only (the in-process pacer counts its own sends): one send, counted in the
   * episode under way across processes; `spacingMs` is the pacer's spacing (0 when unlimited).
   * Fire and forget: a lost store is reported elsewhere.
   */
  countSend(key: string, nowMs: number, spacingMs: number): Promise<void>;
  /**
   * Replaces the rates the throttle at `throttleAtMs` stored (with what the shared episodes
   * taught), unless a later throttle replaced it meanwhile. Returns the state.
   */
  setThrottle(key: string, throttleAtMs: number, rates: ThrottleRates): Promise<SharedPacingState>;
  /** Takes one retry token from a bucket that starts full at `capacity`; false when none is left. */
  takeRetryToken(key: string, capacity: number): Promise<boolean>;
  /** Adds `amount` tokens (a success), up to `capacity`. */
  refillRetryTokens(key: string, amount: number, capacity: number): Promise<void>;
  /**
   * Drops what this process keeps for a key no pacer uses any more (an idle pacer was dropped);
   * a shared store keeps nothing locally (its Redis keys expire by themselves).
   */
  forget(key: string): void;
  /** Releases what the store owns (Redis connections it opened). Idempotent. */
  close(): Promise<void>;
}

/** The state of a key nobody has written yet. */
export function emptyPacingState(): SharedPacingState {
  return {
    gateOpenAtMs: 0,
    lastMaxRatePerSec: 0,
    lastThrottleAtMs: 0,
    restartRatePerSec: 0,
    probing: false,
    concurrency: undefined,
  };
}

/**
 * How late a send may be and still count as its due slot (see {@link PacingStore.claimStart}):
 * a quarter of the spacing, at most 10 ms (timer lag on a busy event loop). Two sends are never
 * closer than `minTimeMs` minus this.
 */
export function lateStartAllowanceMs(minTimeMs: number): number {
  return Math.min(minTimeMs / 4, 10);
}
