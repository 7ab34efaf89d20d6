import { RETRY_TOKEN_COST } from './retry-budget.js';
import type { Clock } from '../core/engine/types.js';
import { lowerConcurrency, raiseConcurrency, type ThrottleRates } from './adaptive-math.js';
import {
  emptyPacingState,
  lateStartAllowanceMs,
  type BackoffResult,
  type BackoffUpdate,
  type PacingStore,
  type SharedPacingState,
} from './pacing-store.js';

/** A {@link PacingStore} in this process's memory: the default, no Redis involved. */
export class MemoryPacingStore implements PacingStore {
  readonly shared = false;
  private readonly states = new Map<string, SharedPacingState>();
  private readonly budgets = new Map<string, number>();
  private readonly lastStarts = new Map<string, number>();

  /** `clock`: the pacing's time source (gate and spacing times are on it). */
  constructor(private readonly clock: Clock) {}

  async read(key: string): Promise<SharedPacingState> {
    return { ...this.state(key) };
  }

  async backoff(key: string, update: BackoffUpdate): Promise<BackoffResult> {
    const state = this.state(key);
    const fresh = update.nowMs >= state.gateOpenAtMs;
    if (fresh && update.throttle) {
      state.lastMaxRatePerSec = update.throttle.lastMaxRatePerSec;
      state.restartRatePerSec = update.throttle.restartRatePerSec;
      state.probing = update.throttle.probing;
      state.lastThrottleAtMs = Math.max(update.nowMs, update.openAtMs);
    }
    const decrease = update.concurrencyDecrease;
    if (fresh && decrease) {
      state.concurrency = lowerConcurrency(
        state.concurrency,
        decrease.ceiling,
        decrease.inFlight,
        decrease.beta,
      );
    }
    state.gateOpenAtMs = Math.max(state.gateOpenAtMs, update.openAtMs);
    return { state: { ...state }, fresh };
  }

  async raiseConcurrency(key: string, ceiling: number | undefined): Promise<SharedPacingState> {
    const state = this.state(key);
    state.concurrency = raiseConcurrency(state.concurrency, ceiling);
    return { ...state };
  }

  async claimStart(key: string, minTimeMs: number): Promise<number> {
    const nowMs = this.clock.now();
    const dueMs = (this.lastStarts.get(key) ?? Number.NEGATIVE_INFINITY) + minTimeMs;
    if (dueMs > nowMs) return dueMs - nowMs;
    this.lastStarts.set(key, nowMs - dueMs <= lateStartAllowanceMs(minTimeMs) ? dueMs : nowMs);
    return 0;
  }

  async countSend(): Promise<void> {
    // In process the pacer's own estimator sees every send.
  }

  async setThrottle(key: string, throttleAtMs: number, rates: ThrottleRates): Promise<SharedPacingState> {
    const state = this.state(key);
    if (state.lastThrottleAtMs === throttleAtMs) {
      state.lastMaxRatePerSec = rates.lastMaxRatePerSec;
      state.restartRatePerSec = rates.restartRatePerSec;
      state.probing = rates.probing;
    }
    return { ...state };
  }

  async takeRetryToken(key: string, capacity: number): Promise<boolean> {
    const tokens = this.budgets.get(key) ?? capacity;
    if (tokens < RETRY_TOKEN_COST) return false;
    this.budgets.set(key, tokens - 1);
    return true;
  }

  async refillRetryTokens(key: string, amount: number, capacity: number): Promise<void> {
    this.budgets.set(key, Math.min(capacity, (this.budgets.get(key) ?? capacity) + amount));
  }

  forget(key: string): void {
    this.states.delete(key);
    this.lastStarts.delete(key);
  }

  async close(): Promise<void> {
    this.states.clear();
    this.budgets.clear();
    this.lastStarts.clear();
  }

  private state(key: string): SharedPacingState {
    let state = this.states.get(key);
    if (!state) {
      state = emptyPacingState();
      this.states.set(key, state);
    }
    return state;
  }
}
