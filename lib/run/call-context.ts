import { randomUUID } from 'node:crypto';
import { createVendorEngine } from '../core/default-engine.js';
import { decide } from '../core/engine/decide.js';
import type { Engine } from '../core/engine/engine.js';
import { formatMs, unpacedBackoff } from '../core/engine/reason.js';
import type { Clock, Decision, Phase, Signal } from '../core/engine/types.js';
import { isVendorError, VendorError } from './vendor-error.js';
import { vendorMessage } from '../core/engine/vendor-message.js';
import { pacerFor } from '../pacing/default-pacing.js';
import type { RecordOptions, VendorPacer } from '../pacing/vendor-pacer.js';
import { chargesRetryBudget } from '../pacing/retry-budget.js';
import { resolvePolicy, type PolicyInput } from '../core/policy/user-policy.js';
import type { CompiledPolicy } from '../core/policy/compiled.js';
import { abortReason } from './sleep.js';
import { timeSourceOf, type TimeSource } from './time-source.js';
import type { DecisionEvent, ResilienceOptions } from './run-options.js';
import { CallDeadline } from './call-deadline.js';
import { combinedSignal } from './combined-signal.js';
import { SecretList } from './secret-list.js';
import { Telemetry } from './telemetry.js';
import { redactedDecision } from './redact.js';

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
  /**
   * The one time source of the adapter, from the `clock` option (its own `sleep` when it has one):
   * the engine's now, the deadline, and the retry and poll waits.
   */
  time: TimeSource;
  /**
   * The adapter's options; with `telemetry`, `onDecision` is the user's callback (if any) followed
   * by the telemetry's, so every path that reports to `onDecision` reports to both (redacted: see
   * {@link reportDecision}).
   */
  options: ResilienceOptions;
  /** The `telemetry` option's hook, only when it was given (a call without it pays nothing). */
  telemetry?: Telemetry | undefined;
}

/** Resolves the policy once and builds (or adopts) the engine that decides with it. */
export function createSetup(policyInput: PolicyInput, options: ResilienceOptions = {}): ResilienceSetup {
  if (options.deadlineMs !== undefined && !(Number.isFinite(options.deadlineMs) && options.deadlineMs > 0)) {
    throw new RangeError(
      `options.deadlineMs must be a positive number of milliseconds (got ${String(options.deadlineMs)})`,
    );
  }
  const policy = resolvePolicy(policyInput);
  const time = timeSourceOf(options.clock);
  const clock: Clock = options.clock ?? time;
  const random = options.random ?? Math.random;
  const engine = options.engine ?? createVendorEngine({ policies: [policy], clock, random });
  const env = { clock, random };
  const telemetry = options.telemetry ? new Telemetry(options.telemetry) : undefined;
  return {
    engine,
    decideSignal: options.engine
      ? (signal) => engine.decide(signal)
      : (signal) => decide(policy, signal, env),
    policy,
    time,
    options: telemetry ? withTelemetry(options, telemetry) : options,
    telemetry,
  };
}

/** The options with `onDecision` reporting to the user's callback, then to the telemetry. */
function withTelemetry(options: ResilienceOptions, telemetry: Telemetry): ResilienceOptions {
  const user = options.onDecision;
  const onDecision = (event: DecisionEvent): void => {
    try {
      user?.(event);
    } finally {
      telemetry.decided(event);
    }
  };
  return { ...options, onDecision };
}

/**
 * The signal the engine is asked about: an observation plus where it came from. Not written as
 * `{ ...observation, vendor, phase, attempt }`: on Node 20 (V8 11) an object literal that
 * defines properties after a spread takes a slow path, about 2 µs for every decision;
 * `Object.assign` builds the same object (same keys in the same order) in about 0.1 µs.
 */
export function signalOf(observation: Observation, vendor: string, phase: Phase, attempt: number): Signal {
  return Object.assign({}, observation, { vendor, phase, attempt });
}

/**
 * Hands a decision the call acted on to `onDecision` (and so to the telemetry); a throwing callback
 * cannot break the call. The vendor's code and the reason quote the vendor, who may echo the key
 * (`invalid key sk_…`): they are redacted with the call's known `secrets`, as the call's error is.
 */
export function reportDecision(
  setup: ResilienceSetup,
  event: DecisionEvent,
  secrets: readonly string[] = [],
): void {
  const callback = setup.options.onDecision;
  if (!callback) return;
  const decision = reportedDecision(event.decision, secrets);
  try {
    // Object.assign, not a spread literal: see signalOf.
    callback(decision === event.decision ? event : Object.assign({}, event, { decision }));
  } catch {
    // Logging must never change the outcome of a call.
  }
}

/**
 * The decision as `onDecision` sees it: {@link redactedDecision}. The common decision, an `ok`
 * without a vendor's code, quotes at most a job's status word: it is only searched for the known
 * secrets (redactText's patterns cost about 0.6 µs, on every decision).
 */
function reportedDecision(decision: Decision, secrets: readonly string[]): Decision {
  const plain = decision.action === 'ok' && decision.code === undefined;
  if (plain && !secrets.some((secret) => decision.reason.includes(secret))) return decision;
  return redactedDecision(decision, secrets);
}

/** A call's pacer once looked up: `undefined` inside with `pacing: false`. */
export interface PacerLookup {
  pacer: VendorPacer | undefined;
}

/**
 * The pacer of a call whose request carries `credentials`: the adapter's `pacing` (the process
 * default without one), none with `pacing: false`. Vendors limit per API key, so the first
 * credential picks the pacer.
 */
export function lookUpPacer(setup: ResilienceSetup, credentials: readonly string[]): PacerLookup {
  const { pacing, clock } = setup.options;
  if (pacing === false) return { pacer: undefined };
  const request = { vendor: setup.policy.vendor, limits: setup.policy.limits, credential: credentials[0] };
  return { pacer: pacerFor(pacing, request, clock, setup.telemetry) };
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
  /** The vendor's id for what is being waited on (a job id), kept by the error if the wait is refused. */
  requestId?: string | undefined;
  /**
   * The decision waited for stays pending through the wait (not reported when it starts): the
   * caller reports it once it knows it can carry it out (a job's `resubmit`, whose fresh
   * submission may be refused after the wait), or ends the call with another decision.
   */
  reportAfter?: boolean;
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

/** What one {@link CallContext} starts from besides the adapter's setup. */
export interface CallContextInit {
  /** The caller's abort signal for this call (adapter-level and per-request combined). */
  signal?: AbortSignal | undefined;
  /** Credentials the request carries: scrubbed from every error; the first one picks the pacer. */
  secrets?: readonly string[];
  /** A deadline the adapter already started (got's handler does, to hand its signal to got). */
  deadline?: CallDeadline | undefined;
  /** The call's pacer, when the adapter already looked it up ({@link lookUpPacer}). */
  pacer?: PacerLookup | undefined;
  /**
   * How many credentials found on the wire are kept (the newest); all by default. A WebSocket
   * session mints a token per connection, so it keeps a bounded tail.
   */
  maxFoundSecrets?: number;
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
  private readonly secretList: SecretList;
  /** The last reported decision, held until the call acts on it. */
  private pending: DecisionEvent | undefined;
  /** The request's credentials: the first one picks the pacer. */
  private credentials: readonly string[];
  /** The last resend decision that took a retry token, until that resend goes out (see {@link end}). */
  private charged: Decision | undefined;
  /** {@link end} was called: the call is over. */
  private ended = false;
  /** The pacer, once asked for (a dropped idle pacer forwards to its successor, so it stays good). */
  private resolvedPacer: PacerLookup | undefined;
  /** Aborts with the caller's signal or at the deadline: what every try, turn and wait of the call listens to. */
  readonly signal: AbortSignal | undefined;
  /** The call's `deadlineMs`, when it has one. */
  readonly deadline: CallDeadline | undefined;
  /** The try and status of the last decision, for the error a deadline ends the call with. */
  private last: { attempt: number; status: number | undefined; phase: Phase } = {
    attempt: 1,
    status: undefined,
    phase: 'submit',
  };

  /** The caller's abort signal for this call (adapter-level and per-request combined). */
  readonly callerSignal: AbortSignal | undefined;

  /**
   * The vendor's id of what the call is working on (the job being polled), when it has one: the
   * error a deadline ends the call with carries it, so the caller can resume or cancel that job.
   */
  workingOn: string | undefined;

  constructor(
    readonly setup: ResilienceSetup,
    init: CallContextInit = {},
  ) {
    const secrets = init.secrets ?? [];
    this.vendor = setup.policy.vendor;
    this.startedAtMs = setup.time.now();
    this.callerSignal = init.signal;
    const deadlineMs = setup.options.deadlineMs;
    this.deadline =
      init.deadline ?? (deadlineMs === undefined ? undefined : new CallDeadline(setup.time, deadlineMs));
    this.signal = combinedSignal(init.signal, this.deadline?.signal);
    this.secretList = new SecretList([...(setup.options.secrets ?? []), ...secrets], init.maxFoundSecrets);
    this.credentials = secrets;
    this.resolvedPacer = init.pacer;
  }

  /**
   * This vendor's (and credential's) pacer: yours, or the process default without a `pacing`
   * option; `undefined` with `pacing: false`. Looked up once, when first needed.
   */
  get pacer(): VendorPacer | undefined {
    this.resolvedPacer ??= lookUpPacer(this.setup, this.credentials);
    return this.resolvedPacer.pacer;
  }

  /**
   * Names the credential that picks the pacer when the call learns it only after it started (a
   * WebSocket session: its first connection's URL or headers, or its `pacingKey`; a job: its first
   * submit's). No effect once the pacer was looked up; not added to the secrets (the caller adds
   * what it found).
   */
  choosePacerBy(credential: string | undefined): void {
    this.credentials = credential === undefined ? [] : [credential];
  }

  /** Random id of the call, the same for every try (made when first asked for). */
  get callId(): string {
    return (this.id ??= randomUUID());
  }

  /** Runs one try through the pacer (its turn under the vendor's limits and gate), or at once when unpaced. */
  async paced<T>(task: () => Promise<T>): Promise<T> {
    const pacer = this.pacer;
    // A turn that starts at once needs no place in the queue (nor a way to leave it on abort).
    const started = pacer && !this.signal?.aborted ? pacer.startNow?.() : undefined;
    try {
      if (pacer && !started) {
        const sendNow = (): Promise<T> => {
          this.charged = undefined;
          return task();
        };
        return await pacer.schedule(sendNow, { signal: this.signal });
      }
      // The task sends its request at once.
      started?.sent();
      this.charged = undefined;
      return await task();
    } catch (error) {
      throw this.stoppedBy(error);
    } finally {
      started?.end();
    }
  }

  /**
   * Lets the pacer see a decision (it may end a retry whose budget is spent); the decision itself
   * when unpaced. `charge: false` when the call will not send again whatever the decision says: a
   * resend that is never sent takes no retry token.
   */
  async recorded(decision: Decision, options?: RecordOptions): Promise<Decision> {
    const pacer = this.pacer;
    if (!pacer) return unpacedBackoff(decision, this.vendor);
    const recorded = await pacer.record(decision, options);
    // A retry token was taken for the resend: it goes back if the call ends before sending it
    // (at once when it ended while the pacer recorded: the caller aborted meanwhile).
    if (recorded === decision && options?.charge !== false && chargesRetryBudget(decision)) {
      if (this.ended) pacer.refundRetry?.(decision);
      else this.charged = decision;
    }
    return recorded;
  }

  /** The next try is going out: the resend a retry token was taken for is sent. */
  trySent(): void {
    this.charged = undefined;
  }

  /** Credentials known to this call (the caller's `secrets` plus those found on the request), scrubbed from every error. */
  get secrets(): readonly string[] {
    return this.secretList.list();
  }

  /** Adds credentials seen on the wire, so every later error scrubs them. */
  addSecrets(values: readonly string[]): void {
    this.secretList.add(values);
  }

  /** The vendor's own words in an observation (bounded), for the error that ends the call. */
  vendorMessage(observation: Observation, phase: Phase): string | undefined {
    return vendorMessage(this.setup.policy, { ...observation, vendor: this.vendor, phase });
  }

  /** Asks the engine about one observation and reports the decision. */
  decide(observation: Observation, phase: Phase, attempt: number): Decision {
    return this.setup.decideSignal(signalOf(observation, this.vendor, phase, attempt));
  }

  /**
   * Records a decision for the `onDecision` callback. It is emitted once the call acts on it (see
   * {@link settle}), so a decision the adapter cannot carry out is reported as what really happened.
   */
  report(decision: Decision, phase: Phase, attempt: number, status: number | undefined): void {
    this.last = { attempt, status, phase };
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
    if (event)
      reportDecision(this.setup, final === undefined ? event : { ...event, decision: final }, this.secrets);
  }

  /** Throws the caller's abort reason when the call was cancelled, or the deadline's error once it passed. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw this.stoppedBy(abortReason(this.signal));
  }

  /**
   * What an error that ended a try or wait means for the caller: the caller's own abort reason
   * when they cancelled; the typed deadline error (action `fail`, category `deadline_exceeded`)
   * when the deadline stopped the call; else the error itself.
   */
  stoppedBy(error: unknown): unknown {
    // A typed error already says how the call ended (a wait the deadline could not hold, a fail).
    if (this.callerSignal?.aborted || !this.deadline?.passed || isVendorError(error)) return error;
    const { attempt, status, phase } = this.last;
    const what = `attempt ${attempt} (${phase}) was under way`;
    return this.failure(this.deadline.decision(this.vendor, what), attempt, status, {
      cause: error,
      requestId: this.workingOn,
    });
  }

  /**
   * The call is over: its deadline watch stops (no timer is left behind), and a resend it took a
   * retry token for and never sent (aborted or refused wait, a consumed body) gives the token back.
   */
  end(): void {
    this.ended = true;
    this.deadline?.cancel();
    const charged = this.charged;
    this.charged = undefined;
    if (charged) this.pacer?.refundRetry?.(charged);
  }

  /** Milliseconds left before the call's own deadline, `Infinity` when there is none. */
  remainingMs(): number {
    return this.deadline === undefined ? Infinity : this.deadline.atMs - this.setup.time.now();
  }

  /**
   * Waits `decision.delayMs`, abort-aware. A wait that cannot finish before the deadline is not
   * started: the call fails with a {@link VendorError} that says so. `started` is told once the
   * wait is under way (a WebSocket session announces its reconnect then, and may be closed from it).
   */
  async wait(decision: Decision, at: WaitContext, started?: () => void): Promise<void> {
    this.throwIfAborted();
    let left = this.remainingMs();
    let limit = "the call's deadline";
    if (at.endAtMs !== undefined && at.endAtMs - this.setup.time.now() < left) {
      left = at.endAtMs - this.setup.time.now();
      limit = at.endName ?? 'the deadline';
    }
    if (decision.delayMs > left) {
      const why = `${limit} leaves ${formatMs(Math.max(0, left))}, too little for that wait, so fail now`;
      throw this.failure(endedDecision(decision, why), at.attempts, at.status, {
        cause: at.cause,
        requestId: at.requestId,
      });
    }
    if (at.reportAfter !== true) this.settle();
    const telemetry = this.setup.telemetry;
    const watch = telemetry?.waitStarted(
      { vendor: this.vendor, callId: this.callId, decision },
      this.setup.time,
    );
    try {
      const sleeping = this.setup.time.sleep(decision.delayMs, { signal: this.signal });
      started?.();
      await sleeping;
    } catch (error) {
      throw this.stoppedBy(error);
    } finally {
      watch?.();
    }
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
