import { randomUUID } from 'node:crypto';
import { createVendorEngine } from '../default-engine.js';
import { decide } from '../engine/decide.js';
import type { Engine } from '../engine/engine.js';
import { formatMs } from '../engine/reason.js';
import type { Clock, Decision, Phase, Signal } from '../engine/types.js';
import { VendorError } from '../errors/vendor-error.js';
import { vendorMessage } from '../engine/vendor-message.js';
import type { VendorPacer } from '../limit/vendor-pacer.js';
import { resolvePolicy } from '../policy/load.js';
import type { CompiledPolicy } from '../policy/compiled.js';
import { abortReason, sleep } from '../util/sleep.js';
import type { DecisionEvent, PolicyArgument, ResilienceOptions, SleepFunction } from './options.js';

/** A wire observation without the fields the call context fills in. */
export type Observation = Omit<Signal, 'vendor' | 'phase' | 'attempt'>;

/** The engine, policy and settings behind one adapter (shared by all its calls). */
export interface ResilienceSetup {
  engine: Engine;
  /**
   * Decides about a signal the adapter built from the wire. With the engine built from the policy,
   * that is the pure `decide` itself: the adapter's signals fit the contract by construction, so the
   * engine's input check (for signals from outside) is skipped. A given `engine` decides as it is.
   */
  decideSignal: (signal: Signal) => Decision;
  policy: CompiledPolicy;
  clock: Clock;
  sleep: SleepFunction;
  options: ResilienceOptions;
}

/** Resolves the policy once and builds (or adopts) the engine that decides with it. */
export function createSetup(policyInput: PolicyArgument, options: ResilienceOptions = {}): ResilienceSetup {
  if (options.deadlineMs !== undefined && !(Number.isFinite(options.deadlineMs) && options.deadlineMs > 0)) {
    throw new RangeError(
      `options.deadlineMs must be a positive number of milliseconds (got ${String(options.deadlineMs)})`,
    );
  }
  const policy = resolvePolicy(policyInput);
  const clock = options.clock ?? { now: () => Date.now() };
  const random = options.random ?? Math.random;
  const engine = options.engine ?? createVendorEngine({ policies: [policy], clock, random });
  const env = { clock, random };
  return {
    engine,
    decideSignal: options.engine
      ? (signal) => engine.decide(signal)
      : (signal) => decide(policy, signal, env),
    policy,
    clock,
    sleep: options.sleep ?? ((ms, o) => sleep(ms, { signal: o.signal })),
    options,
  };
}

/** Where a wait happens: the call's progress and an optional extra end time. */
export interface WaitContext {
  attempts: number;
  status: number | undefined;
  /** An extra end time on the call's clock, in ms since the epoch (e.g. the polling deadline). */
  endAtMs?: number | undefined;
  /** What that end time is, for the reason ("the policy's polling deadline"). */
  endName?: string | undefined;
  /** The transport error of the try, kept as the cause if the wait is refused. */
  cause?: unknown;
}

/**
 * The decision a call ends with when the engine allowed going on but the adapter cannot (output
 * already delivered, a deadline, a consumed body): action `fail`, no wait, and a reason that says
 * both what the engine allowed and why it did not happen.
 */
export function endedDecision(decision: Decision, why: string): Decision {
  return {
    ...decision,
    action: 'fail',
    delayMs: 0,
    delaySource: 'none',
    reason: `${decision.reason.replace(/\.$/, '')}; but ${why}.`,
  };
}

/**
 * The state of one logical call: its id, deadline, abort signal and known secrets. It asks the
 * engine, reports decisions, performs waits and builds the typed error; it never decides itself.
 */
export class CallContext {
  private id: string | undefined;
  readonly vendor: string;
  readonly startedAtMs: number;
  /** Credentials known to this call (the caller's `secrets` plus those found on the request), scrubbed from every error. */
  readonly secrets: string[];
  /** The last reported decision, held until the call acts on it. */
  private pending: DecisionEvent | undefined;
  /** This vendor's (and credential's) pacer, when the call is paced. */
  readonly pacer: VendorPacer | undefined;

  constructor(
    readonly setup: ResilienceSetup,
    /** The caller's abort signal for this call (adapter-level and per-request combined). */
    readonly signal: AbortSignal | undefined,
    secrets: readonly string[] = [],
  ) {
    this.vendor = setup.policy.vendor;
    this.startedAtMs = setup.clock.now();
    this.secrets = [...(setup.options.secrets ?? []), ...secrets];
    // Vendors limit per API key, so the first credential on the request picks the pacer.
    this.pacer = setup.options.pacing?.pacer({
      vendor: this.vendor,
      limits: setup.policy.limits,
      credential: secrets[0],
    });
  }

  /** Random id of the call, the same for every try (made when first asked for). */
  get callId(): string {
    return (this.id ??= randomUUID());
  }

  /** Runs one try through the pacer (its turn under the vendor's limits and gate), or at once when unpaced. */
  paced<T>(task: () => Promise<T>): Promise<T> {
    return this.pacer ? this.pacer.schedule(task, { signal: this.signal }) : task();
  }

  /** Lets the pacer see a decision (it may end a retry whose budget is spent); the decision itself when unpaced. */
  async recorded(decision: Decision): Promise<Decision> {
    return this.pacer ? this.pacer.record(decision) : decision;
  }

  /** Adds credentials seen on the wire, so every later error scrubs them. */
  addSecrets(values: readonly string[]): void {
    for (const v of values) if (v.length >= 4 && !this.secrets.includes(v)) this.secrets.push(v);
  }

  /** The vendor's own words in an observation (bounded), for the error that ends the call. */
  vendorMessage(observation: Observation, phase: Phase): string | undefined {
    return vendorMessage(this.setup.policy, { ...observation, vendor: this.vendor, phase });
  }

  /** Asks the engine about one observation and reports the decision. */
  decide(observation: Observation, phase: Phase, attempt: number): Decision {
    return this.setup.decideSignal({ ...observation, vendor: this.vendor, phase, attempt });
  }

  /**
   * Records a decision for the `onDecision` callback. It is emitted once the call acts on it (see
   * {@link settle}), so a decision the adapter cannot carry out is reported as what really happened.
   */
  report(decision: Decision, phase: Phase, attempt: number, status: number | undefined): void {
    this.settle();
    if (!this.setup.options.onDecision) return;
    this.pending = {
      vendor: this.vendor,
      phase,
      attempt,
      callId: this.callId,
      ...(status === undefined ? {} : { status }),
      decision,
    };
  }

  /**
   * Emits the pending decision: as reported when the call acts on it, or replaced by `final`
   * when the call ends with another one. A throwing callback cannot break the call.
   */
  settle(final?: Decision): void {
    const event = this.pending;
    this.pending = undefined;
    const callback = this.setup.options.onDecision;
    if (!event || !callback) return;
    try {
      callback(final === undefined ? event : { ...event, decision: final });
    } catch {
      // Logging must never change the outcome of a call.
    }
  }

  /** Throws the caller's abort reason when the call was cancelled. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw abortReason(this.signal);
  }

  /** Milliseconds left before the call's own deadline, `Infinity` when there is none. */
  remainingMs(): number {
    const budget = this.setup.options.deadlineMs;
    return budget === undefined ? Infinity : this.startedAtMs + budget - this.setup.clock.now();
  }

  /**
   * Waits `decision.delayMs`, abort-aware. A wait that cannot finish before the deadline is not
   * started: the call fails with a {@link VendorError} that says so.
   */
  async wait(decision: Decision, at: WaitContext): Promise<void> {
    this.throwIfAborted();
    let left = this.remainingMs();
    let limit = "the call's deadline";
    if (at.endAtMs !== undefined && at.endAtMs - this.setup.clock.now() < left) {
      left = at.endAtMs - this.setup.clock.now();
      limit = at.endName ?? 'the deadline';
    }
    if (decision.delayMs > left) {
      const why = `${limit} leaves ${formatMs(Math.max(0, left))}, too little for that wait, so fail now`;
      throw this.failure(endedDecision(decision, why), at.attempts, at.status, { cause: at.cause });
    }
    this.settle();
    await this.setup.sleep(decision.delayMs, { signal: this.signal });
    this.throwIfAborted();
  }

  /** The typed, redacted error that ends the call; the pending decision is reported as this one. */
  failure(
    decision: Decision,
    attempts: number,
    status: number | undefined,
    extra: {
      cause?: unknown;
      partialOutput?: unknown;
      requestId?: string | undefined;
      vendorMessage?: string | undefined;
    } = {},
  ): VendorError {
    this.settle(decision);
    return new VendorError({
      vendor: this.vendor,
      decision,
      attempts,
      secrets: this.secrets,
      ...(status === undefined ? {} : { status }),
      ...(extra.requestId === undefined ? {} : { requestId: extra.requestId }),
      ...(extra.partialOutput === undefined ? {} : { partialOutput: extra.partialOutput }),
      ...(extra.vendorMessage === undefined ? {} : { vendorMessage: extra.vendorMessage }),
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
    });
  }

  /** Headers the user wants on try `attempt`. */
  attemptHeaders(attempt: number, phase: Phase): Record<string, string> {
    return this.setup.options.attemptHeaders?.({ attempt, callId: this.callId, phase }) ?? {};
  }
}
