import type { Decision } from '../core/engine/types.js';
import { liveWork } from '../run/live-work.js';
import { abortReason } from '../run/sleep.js';
import type { TimeSource } from '../run/time-source.js';
import {
  rememberThrottle,
  throttledRatePerSec,
  type RateConstants,
  type ThrottleRates,
} from './adaptive-math.js';
import { CallQueue, type WaitingCall } from './call-queue.js';
import type { PacerIdentity, PacingEventHub } from './events.js';
import { MeasuredRate, RecentCount } from './measured-rate.js';
import type { PacingStore } from './pacing-store.js';
import {
  crossingEpisode,
  RateEstimator,
  estimateFromProbeEpisode,
  estimateFromSharedEpisodes,
} from './rate-estimate.js';
import { budgetExhaustedDecision, chargesRetryBudget, refillsRetryBudget } from './retry-budget.js';
import { SharedStateView } from './shared-state-view.js';
import type { SlotLimiter } from './slot-limiter.js';
import type { PacerCounts, PacerSettings, ScheduleOptions } from './types.js';

/**
 * Limiter slots requested ahead per weight. Few on purpose: bottleneck plans a start time for
 * every job it holds (in cluster mode as a Redis reservation), so a long queue handed to it
 * would hold reservations and timers for the whole backlog; ours stays abortable instead.
 */
const MAX_PENDING_SLOTS = 4;

/** Why a closed pacer's spacing waits end (never surfaced: the waits then just stop). */
const PACER_CLOSED = new Error('pacer closed');
/** Why spacing waits end when no call is left to start (never surfaced either). */
const NOTHING_TO_SPACE = new Error('no call waits for a start');

/** One vendor's (and credential's) pacer: what the HTTP adapter and the WebSocket factory call. */
export interface VendorPacer {
  readonly vendor: string;
  /** Vendor plus a hash of the credential; never the credential itself. */
  readonly key: string;
  /**
   * Starts a call of weight 1 at once if it can start without waiting: nothing queued ahead, the
   * gate open, no rate to space it by, a free slot, and the shared state known without reading the
   * store (always in process; across processes while the last read is recent). Returns the started
   * call, or `undefined` when it would have to wait or read the store: then `schedule` it.
   * Synchronous, so a call that never waits costs no promise and needs no way to be cancelled
   * while queued, which is what the adapters use it for. Optional: pacers made outside
   * `createPacing` may leave it out.
   */
  startNow?(): StartedCall | undefined;
  /**
   * Runs `task` when the pacer allows: behind the rate, the concurrency limit and a closed
   * backoff gate. Resolves or rejects with the task's own outcome. Rejects at once, without
   * running the task, when `signal` aborts while queued, when the pacer is closed, or (cluster
   * mode) when Redis is unreachable (a `VendorError` with category `pacing_unavailable`).
   */
  schedule<T>(task: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  /**
   * Feeds the engine's decision about one response: `backoff` closes the gate, rate and
   * concurrency limits adapt, the retry budget is charged or refilled. Returns the decision to
   * act on: the same one, or a `fail` with category `budget_exhausted` when a retry is not
   * affordable (an `ok` always comes back unchanged, so adapters need not wait for it). Never
   * rejects (a store failure leaves the decision unchanged).
   */
  record(decision: Decision, options?: RecordOptions): Promise<Decision>;
  /**
   * The resend `decision` asked for was not sent after all (the caller aborted or the deadline
   * refused its wait, a hook of yours ended the call): the retry token `record` took for it goes
   * back to the budget, which counts the resends sent. Nothing for a decision that took none.
   * Optional: pacers made outside `createPacing` may leave it out.
   */
  refundRetry?(decision: Decision): void;
  /** Queued and running calls of this process. */
  counts(): PacerCounts;
  /** The limits in force now (after adaptation) and the gate deadline. */
  settings(): PacerSettings;
  /** Rejects queued calls, stops timers and the limiter. Running tasks finish on their own. */
  close(): Promise<void>;
}

/** Options of {@link VendorPacer.record}. */
export interface RecordOptions {
  /**
   * `false`: the resend this decision asks for does not take a retry token (a WebSocket session
   * reconnecting after a connection that was set up and worked: it is a new session, not a
   * retry of a failed one). Default true.
   */
  charge?: boolean | undefined;
}

/** A call {@link VendorPacer.startNow} started. */
export interface StartedCall {
  /**
   * Its request goes out now. The vendor's rate is learnt from when requests reach it, which can
   * be later than the start (got builds the request after its hooks); a call never sent is not
   * counted. Only the first call counts.
   */
  sent(): void;
  /** The call is over: its slot is free again. Idempotent. */
  end(): void;
}

/** Everything a {@link VendorPacer} is built from (assembled by `createPacing`). */
export interface VendorPacerParts {
  identity: PacerIdentity;
  store: PacingStore;
  limiter: SlotLimiter;
  events: PacingEventHub;
  /** The pacing's time source: gate timers and spacing waits run on it. */
  time: TimeSource;
  rateCeilingPerSec: number | undefined;
  concurrencyCeiling: number | undefined;
  rateConstants: RateConstants;
  concurrencyBeta: number;
  /** `undefined`: no retry budget. */
  budget: { key: string; capacity: number; refillPerSuccess: number } | undefined;
  sharedCacheMs: number;
  keepProcessAlive: boolean;
  /** Cluster mode: the current loss, and a wait for the first connection. */
  availability: { lostError(): Error | undefined; ready(): Promise<void> } | undefined;
  /** The error for a call refused because the store is unavailable. */
  unavailableError: (cause: Error) => Error;
  onClose: () => void;
}

/** A pacer plus the hook its owner uses when the shared store is lost. */
export interface VendorPacerHandle {
  pacer: VendorPacer;
  /** Rejects every queued call with `error` and forgets requested slots. */
  failQueued(error: Error): void;
  /**
   * When a call last started or a decision was last recorded (ms on the pacing clock): a pacer
   * its caller keeps and uses is in use though nobody asks the pacing for it again.
   */
  lastUseMs(): number;
  /**
   * Drops an idle pacer: it closes, and whoever still holds it (a call between tries, a user's
   * reference) is sent on to `successor()`, the pacing's current pacer for the same key.
   */
  evict(successor: () => VendorPacer): Promise<void>;
}

/** Builds a pacer. Slots of the limiter are handed to the oldest live waiting call (pull model). */
export function createVendorPacer(parts: VendorPacerParts): VendorPacerHandle {
  const { identity, store, limiter, events, time } = parts;
  /**
   * Ends the spacing waits when the pacer closes, or when the queue empties (the calls they were
   * for aborted or were taken): a wait for nobody must not keep the process alive for up to the
   * spacing. Replaced after each such abort; only while a wait is under way, so the queue's
   * emptying after every call costs nothing.
   */
  let spacing = new AbortController();
  /** Spacing waits under way. */
  let spacingWaits = 0;
  const measured = new MeasuredRate();
  const accepted = new RecentCount(1000);
  // Learns the vendor's real rate from this process's sends. With a shared store the other
  // processes' sends are unseen here: the store counts the episodes for all of them instead.
  const estimator = store.shared ? undefined : new RateEstimator();
  let running = 0;
  /** Calls `startNow` started whose request has not gone out yet (see `StartedCall.sent`). */
  let unsent = 0;
  let closed = false;
  /** When a call last started or a decision was recorded (see {@link VendorPacerHandle.lastUseMs}). */
  let lastUseMs = Number.NEGATIVE_INFINITY;
  /** Set when the pacer was dropped as idle: where its later calls go. */
  let successor: (() => VendorPacer) | undefined;
  /**
   * Limiter slots requested and not yet started, per call weight, with the weight the limiter was
   * asked for: a call's weight capped at the concurrency allowed when its slots were requested
   * (a limiter never starts a job heavier than its limit, so an uncapped heavy call would wait
   * for ever once concurrency was lowered under it).
   */
  const outstanding = new Map<number, { count: number; asked: number }>();
  /**
   * Reports the queued and running calls. The event is only built when someone listens: a call
   * makes three, and each (a spread of the identity plus two counts, a slow path in V8 11, about
   * 2 µs on Node 20) cost more than the rest of the pacer's work for a call that did not wait.
   */
  const emitCounts = (): void => {
    if (events.listens('counts')) events.emit('counts', { ...identity, queued: queue.size, running });
  };
  const queue = new CallQueue(() => {
    view.setHeld(queue.size > 0);
    if (queue.size === 0 && spacingWaits > 0 && !closed) {
      spacing.abort(NOTHING_TO_SPACE);
      spacing = new AbortController();
    }
    emitCounts();
  });
  const view: SharedStateView = new SharedStateView({ ...parts, onGateOpen: () => requestSlots() });

  const requestSlots = (): void => {
    if (closed || view.gateClosed()) return;
    const concurrency = view.concurrency();
    for (const [weight, waiting] of queue.countsByWeight()) {
      const asked =
        concurrency === undefined ? weight : Math.max(1, Math.min(weight, Math.floor(concurrency)));
      let slots = outstanding.get(weight);
      // Slots asked heavier than the limit now allows cannot start: ask again at the new weight
      // (the old ones, if the limit grows back, find no call or the next one). bottleneck starts
      // its queue in order, so a heavy slot already queued still holds up the ones asked after it.
      if (!slots || slots.asked > asked) {
        slots = { count: 0, asked };
        outstanding.set(weight, slots);
      }
      for (const wanted = Math.min(waiting, MAX_PENDING_SLOTS); slots.count < wanted; slots.count++) {
        const entry = slots;
        limiter.submit(
          slots.asked,
          () => useSlot(weight, entry),
          (error) => slotDropped(entry, error),
        );
      }
    }
  };

  /**
   * The limiter gave up on a slot (cluster mode: a Redis script error on a live connection). The
   * calls waiting for slots are told now, as for a lost store, instead of waiting for ever.
   */
  const slotDropped = (slots: { count: number }, error: Error): void => {
    slots.count = Math.max(0, slots.count - 1);
    if (!closed) failQueued(parts.unavailableError(error));
  };

  /** A limiter slot came up: hand it to the oldest live call, unless the gate closed meanwhile. */
  const useSlot = async (weight: number, slots: { count: number; asked: number }): Promise<void> => {
    const call = await claimCall(weight).finally(() => {
      slots.count = Math.max(0, slots.count - 1);
    });
    if (!call) return; // the gate timer (or the next schedule) asks for new slots
    // A slot asked at a lowered limit, lighter than the call: the call holds its whole weight.
    const releaseExtra = weight > slots.asked ? limiter.holdExtra?.(weight - slots.asked) : undefined;
    requestSlots();
    try {
      await call.run();
    } finally {
      releaseExtra?.();
    }
  };

  const claimCall = async (weight: number): Promise<WaitingCall | undefined> => {
    if (closed || queue.size === 0) return undefined;
    try {
      await view.current();
      // The gate may close while the start is being spaced: check again before sending.
      if (view.gateClosed() || !(await spaceStart()) || view.gateClosed()) return undefined;
    } catch {
      return undefined; // a lost store: the loss handler fails the queue
    }
    const call = queue.takeFirst(weight);
    if (call) countStart();
    return call;
  };

  /** A call starts: the rate estimate counts the send (across processes, the store counts it for all). */
  const countStart = (): void => {
    const nowMs = time.now();
    lastUseMs = nowMs;
    const ratePerSec = view.ratePerSec();
    const spacingMs = ratePerSec === undefined ? 0 : 1000 / ratePerSec;
    // Each process sees only its share of the sends: across processes the store counts the episode.
    if (store.shared) void store.countSend(identity.key, nowMs, spacingMs).catch(() => undefined);
    // Calls started and not sent yet wait behind this one as queued ones do.
    estimator?.sent(nowMs, queue.size > 0 || unsent > 0, spacingMs, view.probing());
  };

  /** Waits until this start keeps the rate's spacing (across processes); false if closed or no call is left meanwhile. */
  const spaceStart = async (): Promise<boolean> => {
    const ratePerSec = view.ratePerSec();
    if (ratePerSec === undefined) return true;
    const minTimeMs = 1000 / ratePerSec;
    for (let waitMs = await store.claimStart(identity.key, minTimeMs); waitMs > 0;) {
      spacingWaits += 1;
      const waited = await time
        .sleep(waitMs, { unref: !parts.keepProcessAlive, signal: spacing.signal })
        .then(
          () => true,
          () => false,
        )
        .finally(() => (spacingWaits -= 1));
      if (!waited || closed || queue.size === 0) return false;
      waitMs = await store.claimStart(identity.key, minTimeMs);
    }
    return !closed;
  };

  const failQueued = (error: Error): void => {
    queue.failAll(error);
    outstanding.clear();
  };

  const applyBackoff = async (decision: Decision, nowMs: number): Promise<void> => {
    const gateMs = decision.action === 'backoff' ? (decision.retryAfterMs ?? decision.delayMs) : 0;
    const rateLimited = decision.action === 'backoff' && decision.category === 'rate_limited';
    const concurrencyLimited = decision.category === 'concurrency_limited';
    // With a backlog the pacer was sending at its allowed rate; otherwise demand set the pace, and
    // the measured rate is the better guess (AWS: min(measured, fill rate)). Across processes the
    // local measurement is only a share of the load, so cluster mode uses the allowed rate.
    // With no rate to pace at (none configured or learned), the pacer sent as fast as calls came:
    // what the vendor accepted over the last second is the first guess of its rate.
    const unpaced = view.ratePerSec() === undefined;
    const probing = view.probing();
    let measuredPerSec = 0;
    if (!store.shared)
      measuredPerSec = unpaced ? accepted.perSecond(nowMs) : queue.size > 0 ? 0 : measured.perSec();
    let throttle: ThrottleRates | undefined;
    const { minRatePerSec, beta } = parts.rateConstants;
    const ratePerSec = throttledRatePerSec(view.ratePerSec(), measuredPerSec, minRatePerSec);
    if (rateLimited) {
      // In process the view is the store's state, so this is the store's own freshness test.
      let estimatedPerSec: number | undefined;
      if (view.gateClosed()) estimator?.rejected();
      else estimatedPerSec = estimator?.throttled(nowMs, ratePerSec);
      if (estimatedPerSec !== undefined) estimatedPerSec = Math.max(minRatePerSec, estimatedPerSec);
      throttle = rememberThrottle(ratePerSec, estimatedPerSec, beta, unpaced);
    }
    const result = await store.backoff(identity.key, {
      nowMs,
      openAtMs: nowMs + gateMs,
      throttle,
      concurrencyDecrease: concurrencyLimited
        ? { ceiling: parts.concurrencyCeiling, inFlight: running + 1, beta: parts.concurrencyBeta }
        : undefined,
      countEpisode: rateLimited && store.shared ? { backlogged: queue.size > 0 } : undefined,
    });
    let { state } = result;
    if (result.episodes) {
      // Cluster mode: the store ended the episode every process counted. What it teaches
      // replaces the plain decrease just stored (unless another throttle came meanwhile).
      const { kept, ended, probeSends } = result.episodes;
      const estimatedPerSec = estimateFromSharedEpisodes(kept, ratePerSec);
      let learned: ThrottleRates | undefined;
      if (estimatedPerSec !== undefined) {
        learned = rememberThrottle(ratePerSec, Math.max(minRatePerSec, estimatedPerSec), beta, unpaced);
      } else if (unpaced && ended) {
        // Nothing paced the sends: what the vendor accepted per second of the episode (at least
        // a second, as in process) is the probe's first guess.
        const guessPerSec = Math.max(minRatePerSec, ended.accepted / Math.max(1, ended.seconds));
        learned = rememberThrottle(guessPerSec, undefined, beta, true);
      } else if (probing && ended) {
        // The probe's sends from its crossing on, fitted with the last steady episode (the first
        // burst, when nothing was paced before), as in process; without them (too few after the
        // crossing, or a contradicting fit), what the vendor accepted per second of the probe.
        const steady = kept.at(-1);
        const crossing = steady && crossingEpisode(steady, probeSends, ended.accepted, nowMs);
        const probedPerSec =
          (crossing && estimateFromSharedEpisodes([...kept, crossing], ratePerSec)) ??
          estimateFromProbeEpisode(ended);
        if (probedPerSec !== undefined)
          learned = rememberThrottle(ratePerSec, Math.max(minRatePerSec, probedPerSec), beta, false);
      }
      if (learned) state = await store.setThrottle(identity.key, state.lastThrottleAtMs, learned);
    }
    view.accept(state);
    if (gateMs > 0) events.emit('gateClosed', { ...identity, openAtMs: state.gateOpenAtMs, decision });
    // A lowered concurrency may leave queued heavy calls with slots the limiter can never start.
    if (concurrencyLimited) requestSlots();
  };

  const chargeBudget = async (decision: Decision, charge: boolean): Promise<Decision> => {
    const { budget } = parts;
    if (!budget) return decision;
    if (refillsRetryBudget(decision)) {
      await store.refillRetryTokens(budget.key, budget.refillPerSuccess, budget.capacity);
      return decision;
    }
    if (!charge || !chargesRetryBudget(decision)) return decision;
    if (await store.takeRetryToken(budget.key, budget.capacity)) return decision;
    events.emit('budgetExhausted', { vendor: identity.vendor, decision });
    return budgetExhaustedDecision(identity.vendor, decision);
  };

  const pacer: VendorPacer = {
    vendor: identity.vendor,
    key: identity.key,

    startNow(): StartedCall | undefined {
      // The claim of a queued call (claimCall), without the queue and the limiter's slot request:
      // for the common case of a call nobody waits ahead of, they are only per-call allocations.
      // A rate to space starts by goes through the queue (spaceStart), so the wait stays abortable.
      if (closed || queue.size > 0 || !view.fresh() || view.gateClosed() || view.ratePerSec() !== undefined)
        return undefined;
      const endSlot = limiter.tryStart?.(1);
      if (!endSlot) return undefined;
      running += 1;
      unsent += 1;
      liveWork.pacerCalls++;
      emitCounts();
      let counted = false;
      let ended = false;
      return {
        sent() {
          // Counted when it goes out, so an episode's length is the wire's: got builds a request
          // after its hooks, and the first sends of a storm go out well after they started.
          if (counted || ended) return;
          counted = true;
          unsent -= 1;
          countStart();
        },
        end() {
          if (ended) return;
          ended = true;
          if (!counted) unsent -= 1;
          running -= 1;
          liveWork.pacerCalls--;
          endSlot();
          emitCounts();
        },
      };
    },

    async schedule<T>(task: () => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
      const { signal } = options;
      const weight = options.weight ?? 1;
      if (!(Number.isInteger(weight) && weight >= 1)) {
        throw new RangeError(`schedule(): weight must be an integer ≥ 1, got ${String(weight)}`);
      }
      const ceiling = parts.concurrencyCeiling;
      if (ceiling !== undefined && weight > ceiling) {
        throw new RangeError(
          `schedule(): weight ${weight} exceeds ${identity.vendor}'s maxConcurrent of ${ceiling}, so the call could never run`,
        );
      }
      if (closed && successor) return successor().schedule(task, options);
      if (closed) throw new Error(`pacing for ${identity.vendor} was closed; the request was not sent`);
      if (signal?.aborted) throw abortReason(signal);
      if (parts.availability) {
        const lost = parts.availability.lostError();
        if (lost) throw parts.unavailableError(lost);
        await parts.availability.ready().catch((error: unknown) => {
          throw parts.unavailableError(error instanceof Error ? error : new Error(String(error)));
        });
        // The wait (a microtask even when connected) let the caller abort, or the pacer close or
        // lose Redis: the queue hears of none of them for a call it did not hold yet.
        if (closed && successor) return successor().schedule(task, options);
        if (closed) throw new Error(`pacing for ${identity.vendor} was closed; the request was not sent`);
        if (signal?.aborted) throw abortReason(signal);
        const lostMeanwhile = parts.availability.lostError();
        if (lostMeanwhile) throw parts.unavailableError(lostMeanwhile);
      }
      liveWork.pacerCalls++;
      return new Promise<T>((resolve, reject) => {
        const call: WaitingCall = {
          weight,
          fail: reject,
          run: async () => {
            running += weight;
            emitCounts();
            try {
              resolve(await task());
            } catch (error) {
              reject(error);
            } finally {
              running -= weight;
              emitCounts();
            }
          },
        };
        queue.add(call, signal);
        requestSlots();
      }).finally(() => {
        liveWork.pacerCalls--;
      });
    },

    async record(decision: Decision, options: RecordOptions = {}): Promise<Decision> {
      if (closed && successor) return successor().record(decision, options);
      const nowMs = time.now();
      lastUseMs = nowMs;
      measured.record(nowMs);
      if (decision.action === 'ok') {
        accepted.add(nowMs);
        view.succeeded();
      }
      try {
        if (decision.action === 'backoff' || decision.category === 'concurrency_limited') {
          view.endSlowStart();
          await applyBackoff(decision, nowMs);
        } else if (decision.action === 'ok' && view.concurrency() !== parts.concurrencyCeiling) {
          view.accept(await store.raiseConcurrency(identity.key, parts.concurrencyCeiling));
        }
        return await chargeBudget(decision, options.charge ?? true);
      } catch {
        // Recording is advisory; a lost store is reported to callers by schedule().
        return decision;
      }
    },

    refundRetry(decision: Decision): void {
      if (closed && successor) return successor().refundRetry?.(decision);
      const { budget } = parts;
      if (!budget || !chargesRetryBudget(decision)) return;
      void store.refillRetryTokens(budget.key, 1, budget.capacity).catch(() => undefined);
    },

    counts: () => ({ queued: queue.size, running }),

    settings: () => ({
      maxConcurrent: view.concurrency(),
      requestsPerSecond: view.ratePerSec(),
      gateOpenAtMs: view.gateOpenAtMs(),
    }),

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // One reason for every pacer: abort() without one makes a DOMException per call, and Node
      // keeps a table of those that stays at its peak (4 MB after 100 000 idle pacers dropped).
      spacing.abort(PACER_CLOSED);
      view.close();
      failQueued(new Error(`pacing for ${identity.vendor} was closed; the request was not sent`));
      parts.onClose();
      await limiter.stop();
    },
  };
  return {
    pacer,
    failQueued,
    lastUseMs: () => lastUseMs,
    evict(next) {
      successor = next;
      return pacer.close();
    },
  };
}
