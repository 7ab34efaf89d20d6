import { startTimer, type TimeSource } from '../run/time-source.js';
import { allowedRatePerSec, effectiveConcurrency, type RateConstants } from './adaptive-math.js';
import type { PacerIdentity, PacingEventHub } from './events.js';
import { emptyPacingState, type PacingStore, type SharedPacingState } from './pacing-store.js';
import type { SlotLimiter } from './slot-limiter.js';

/** What {@link SharedStateView} needs. */
export interface SharedStateViewOptions {
  identity: PacerIdentity;
  store: PacingStore;
  limiter: SlotLimiter;
  /** Reads time and runs the gate timer. */
  time: TimeSource;
  rateCeilingPerSec: number | undefined;
  concurrencyCeiling: number | undefined;
  rateConstants: RateConstants;
  events: PacingEventHub;
  /** How long a read of a shared (Redis) store is reused (an in-process store is never read: see `fresh`). */
  sharedCacheMs: number;
  keepProcessAlive: boolean;
  /** The gate has opened (timer fired and the store agrees). */
  onGateOpen: () => void;
}

/** The first concurrency window of a pacer told no limit (see {@link SharedStateView.succeeded}). */
const SLOW_START_WINDOW = 8;
/** Slow start ends at this window: past it, concurrency is unlimited again. */
const SLOW_START_END = 256;

/** Rate changes smaller than this fraction are not pushed to the limiter (cubic recovery moves every ms). */
const RATE_CHANGE_THRESHOLD = 0.03;

/**
 * This process's view of a pacer key's shared state: it reads the store (cached when shared),
 * turns the adaptive state into limiter settings, and wakes the pacer when the gate opens.
 */
export class SharedStateView {
  private state: SharedPacingState = emptyPacingState();
  private readAtMs = Number.NEGATIVE_INFINITY;
  private appliedConcurrency: number | undefined;
  private appliedRatePerSec: number | undefined;
  /** Cancels the pending gate timer. */
  private gateTimer: (() => void) | undefined;
  private gateTimerAtMs = 0;
  private gateWasClosed = false;
  private closed = false;
  /** Calls are waiting: only then may the gate timer keep the process alive. */
  private held = false;

  /**
   * Slow start (TCP's): a pacer told no limit at all begins with a small concurrency window that
   * grows by one per success (doubling per round trip) until it is large enough to drop, or the
   * vendor's first "slow down" ends it. A burst of calls against an unknown vendor then finds its
   * limit with a handful of 429s instead of sending everything into it at once.
   */
  private slowStart: number | undefined;

  constructor(private readonly options: SharedStateViewOptions) {
    this.appliedConcurrency = options.concurrencyCeiling;
    this.appliedRatePerSec = options.rateCeilingPerSec;
    if (
      !options.store.shared &&
      options.concurrencyCeiling === undefined &&
      options.rateCeilingPerSec === undefined
    ) {
      this.slowStart = SLOW_START_WINDOW;
      this.applyLimits(options.time.now());
    }
  }

  /** One success: the slow-start window grows by one, and ends once it is large. */
  succeeded(): void {
    if (this.slowStart === undefined) return;
    this.slowStart += 1;
    if (this.slowStart >= SLOW_START_END) this.slowStart = undefined;
    this.applyLimits(this.options.time.now());
  }

  /** The vendor pushed back: slow start is over (the rate and concurrency adaptation take over). */
  endSlowStart(): void {
    if (this.slowStart === undefined) return;
    this.slowStart = undefined;
    this.applyLimits(this.options.time.now());
  }

  /** The state, read from the store unless the view is {@link fresh}. */
  async current(): Promise<SharedPacingState> {
    if (!this.fresh()) this.accept(await this.options.store.read(this.options.identity.key));
    return this.state;
  }

  /**
   * The view can be acted on without reading the store: always in process (only this view's
   * pacer changes its key's state, and it takes every state the store returns), and across
   * processes while the last read is recent enough.
   */
  fresh(): boolean {
    if (!this.options.store.shared) return true;
    return this.options.time.now() - this.readAtMs < this.options.sharedCacheMs;
  }

  /** Takes a state the store returned: applies adapted limits and arms the gate timer. */
  accept(state: SharedPacingState): void {
    const nowMs = this.options.time.now();
    this.state = state;
    this.readAtMs = nowMs;
    this.applyLimits(nowMs);
    if (state.gateOpenAtMs > nowMs) {
      this.gateWasClosed = true;
      this.armGateTimer(state.gateOpenAtMs);
    }
  }

  /** True while the last known gate deadline is in the future. */
  gateClosed(): boolean {
    return this.state.gateOpenAtMs > this.options.time.now();
  }

  /** The current allowed rate (requests per second; `undefined` = unlimited). */
  ratePerSec(): number | undefined {
    return allowedRatePerSec(
      this.state,
      this.options.time.now(),
      this.options.rateCeilingPerSec,
      this.options.rateConstants,
    );
  }

  /** True while the rate is a probe doubling from a guess (`ThrottleMemory.probing`). */
  probing(): boolean {
    return this.state.probing;
  }

  /** The current concurrency limit (`undefined` = unlimited). */
  concurrency(): number | undefined {
    return effectiveConcurrency(this.state.concurrency, this.options.concurrencyCeiling) ?? this.slowStart;
  }

  /** The last known gate deadline. */
  gateOpenAtMs(): number {
    return this.state.gateOpenAtMs;
  }

  /**
   * Stops the gate timer. A gate that closed and is open by now, but was not reported open yet
   * (the idle sweep drops a pacer the moment its gate reopens, before the timer's read settles),
   * is reported open here: a listener measuring the gate (telemetry) is otherwise left with a
   * gate that never opened, and measures the key's next gate from this one's closing.
   */
  close(): void {
    this.closed = true;
    this.gateTimer?.();
    this.gateTimer = undefined;
    if (this.gateWasClosed && !this.gateClosed()) {
      this.gateWasClosed = false;
      this.options.events.emit('gateOpened', { ...this.options.identity });
    }
  }

  private applyLimits(nowMs: number): void {
    const { identity, events } = this.options;
    const concurrency = this.concurrency();
    const rate = allowedRatePerSec(
      this.state,
      nowMs,
      this.options.rateCeilingPerSec,
      this.options.rateConstants,
    );
    const concurrencyChanged = concurrency !== this.appliedConcurrency;
    const rateChanged = rateDiffers(rate, this.appliedRatePerSec);
    if (!concurrencyChanged && !rateChanged) return;
    const previousConcurrency = this.appliedConcurrency;
    const previousRate = this.appliedRatePerSec;
    this.appliedConcurrency = concurrency;
    this.appliedRatePerSec = rate;
    // A failed update surfaces through the store/connection error path; the old limits stay meanwhile.
    if (concurrencyChanged)
      this.options.limiter.update({ maxConcurrent: concurrency }).catch(() => undefined);
    if (concurrencyChanged) {
      events.emit('concurrencyChanged', {
        ...identity,
        maxConcurrent: concurrency,
        previous: previousConcurrency,
      });
    }
    if (rateChanged) {
      events.emit('rateChanged', { ...identity, requestsPerSecond: rate, previous: previousRate });
    }
  }

  private armGateTimer(openAtMs: number): void {
    if (this.closed || (this.gateTimer && this.gateTimerAtMs >= openAtMs)) return;
    this.gateTimerAtMs = openAtMs;
    this.startGateTimer();
  }

  /**
   * Calls are (or are no longer) waiting for this pacer. A closed gate keeps the process alive
   * only while calls wait behind it (and `keepProcessAlive`): once the calls have ended, a gate
   * left closed by their last 429 must not hold a script open until it would open.
   */
  setHeld(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (this.gateTimer) this.startGateTimer();
  }

  private startGateTimer(): void {
    this.gateTimer?.();
    this.gateTimer = startTimer(
      this.options.time,
      () => this.onGateTimer(),
      this.gateTimerAtMs - this.options.time.now(),
      { unref: !(this.options.keepProcessAlive && this.held) },
    );
  }

  private onGateTimer(): void {
    this.gateTimer = undefined;
    this.readAtMs = Number.NEGATIVE_INFINITY;
    this.current()
      .then(() => {
        if (this.closed || this.gateClosed() || !this.gateWasClosed) return;
        this.gateWasClosed = false;
        this.options.events.emit('gateOpened', { ...this.options.identity });
        this.options.onGateOpen();
      })
      .catch(() => undefined); // a store failure is reported by the connection's loss handler
  }
}

function rateDiffers(next: number | undefined, applied: number | undefined): boolean {
  if (next === undefined || applied === undefined) return next !== applied;
  return Math.abs(next - applied) > RATE_CHANGE_THRESHOLD * applied;
}
