import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import got, { type Options, type Response } from 'got';
import type { Action } from '../../core/engine/types.js';
import type { VendorPacer } from '../../pacing/vendor-pacer.js';
import { credentialsIn } from '../../run/redact.js';
import { isVendorError } from '../../run/vendor-error.js';
import { abortReason } from '../../run/sleep.js';
import { hasStreamBody, requestCredentials, STREAM_BODY_REASON } from './attempt-options.js';
import { CallDeadline } from '../../run/call-deadline.js';
import {
  CallContext,
  endedDecision,
  lookUpPacer,
  reportDecision,
  type Observation,
  type PacerLookup,
  type ResilienceSetup,
  signalOf,
} from '../../run/call-context.js';
import { decideCounted, TryJudge, type TryVerdict } from '../../run/try-judge.js';
import { markGotError, redactOptions, type GotFailureInit } from './got-error.js';
import { gotResponseObservation } from './wire-signal.js';
import { networkObservation } from '../../run/observation.js';

const ACCEPT_OK: ReadonlySet<Action> = new Set(['ok']);

/**
 * got's errors that are not something the vendor said: got's own verdicts on a response it has
 * (a body that does not parse, too many redirects), the cache, the caller's upload stream, and the
 * caller's own cancel or abort. got raises them as it always does.
 */
const GOT_VERDICTS: ReadonlySet<string> = new Set([
  'ParseError',
  'MaxRedirectsError',
  'CacheError',
  'UploadError',
  'CancelError',
  'AbortError',
]);

/** The argument got passes to `retry.calculateDelay` (its type is named differently across majors). */
interface RetryInfo {
  attemptCount: number;
  retryOptions: { limit: number };
  error: Error & { code?: string; response?: Response; options?: Options };
  computedValue: number;
}

/** got's own `retry.calculateDelay` (`({ computedValue }) => computedValue`): anything else is the caller's. */
const GOT_DEFAULT_DELAY: unknown = got.defaults.options.retry.calculateDelay;

/**
 * got's default `retry.limit` (2): a call still at it has no limit of yours, and the policy's caps
 * bound its resends instead. (A limit of yours equal to it cannot be told apart from it.)
 */
const GOT_DEFAULT_LIMIT: unknown = got.defaults.options.retry.limit;

/** Calls whose own options (per call) set `retry.limit`: yours even when it equals got's default. */
const LIMIT_SET_PER_CALL = new WeakSet<object>();

/**
 * The adapter's `init` hook (it sees each call's own options raw): notes a call whose options set
 * `retry.limit`. One function for every adapter, so a call's end can take it out of its options.
 */
export function noteLimitSetPerCall(init: unknown, self: object): void {
  if ((init as { retry?: { limit?: unknown } } | undefined)?.retry?.limit !== undefined) {
    LIMIT_SET_PER_CALL.add(self);
  }
}

/** The abort reason of waits still pending when a call ends (one shared error: no stack per call). */
const CALL_ENDED = new Error('the call has ended');

/** A verdict to send again. */
type ResendVerdict = Extract<TryVerdict, { accepted: false }>;

/** Thrown from `afterResponse` when the engine asks to send again after a 2xx (got then runs its retry). */
class ResendAfterSuccess extends Error {
  override readonly name = 'ResendAfterSuccess';
}

/** True for a network failure (`ECONNRESET`, `ETIMEDOUT`, …) as opposed to an error of got's or the caller's code. */
function isNetworkFailure(error: RetryInfo['error']): boolean {
  if (error.name === 'TimeoutError' || error.name === 'ReadError') return true;
  const code = error.code;
  return typeof code === 'string' && !code.startsWith('ERR_GOT');
}

/** Resolves after the process.nextTick callbacks queued so far have run. */
function tickEnd(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** Takes `hook` out of got's `hooks[name]`, when it is there, into a new array (got may be iterating the old one). */
function unhook(hooks: Record<string, unknown[] | undefined>, name: string, hook: unknown): void {
  const list = hooks[name];
  if (list?.includes(hook)) hooks[name] = list.filter((other) => other !== hook);
}

/**
 * Why got will not send this call again whatever the engine decides about try `attemptCount`: the
 * request's `retry.limit` is reached, or its stream body was consumed and no `beforeRetry` hook
 * can supply a fresh one (as got allows). `undefined` when a resend is possible.
 */
function resendBlocked(
  options: Options | undefined,
  attemptCount: number,
  limit: number,
): string | undefined {
  if (attemptCount > limit) return `this request's retry.limit of ${limit} allows no more resends`;
  if (options && hasStreamBody(options) && options.hooks.beforeRetry.length === 0) return STREAM_BODY_REASON;
  return undefined;
}

/**
 * Puts the caller's FormData back as the body for got's next try, which encodes it afresh: got
 * replaced it by its encoded generator (already consumed) and set that encoding's boundary.
 */
function restoreFormData(options: Options, saved: { body: unknown; typeSet: boolean }): void {
  if (!saved.typeSet) delete options.headers['content-type'];
  delete options.headers['content-length'];
  options.body = saved.body as Options['body'];
}

/**
 * One got call (promise or stream) under a vendor policy. The call runs on got's own request and
 * got's own retry: this object only adds hooks to the call's options. `beforeRequest` takes the
 * try's turn from the pacer and sets per-attempt headers; `afterResponse` lets the engine judge a
 * 2xx; `retry.calculateDelay` asks the engine about every error got considers retrying and waits
 * what the decision says (abort-aware, within the deadline) before got sends again; `beforeError`
 * adds the decision to got's error and scrubs credentials from it.
 */
export class GotCall {
  /**
   * The call's engine state: its context (deadline, pacer, secrets, reports), the judge of its
   * tries, and the controller that ends its waits and queued turns when the call has ended, was
   * cancelled or aborted. Made on first need: a call that is not observed, whose turns start at
   * once and that sees only a 2xx never needs one.
   */
  private state: { context: CallContext; judge: TryJudge; stop: AbortController } | undefined;
  /** The call's pacer, looked up once (its context is handed the same lookup). */
  private pacerLookup: PacerLookup | undefined;
  /** The credentials on the caller's request (scrubbed from every error). */
  private readonly secrets: string[];
  /** The call's options: got's AbortError and CancelError quote them (see {@link scrubForGotsError}). */
  private readonly options: Options;
  private readonly userSignal: AbortSignal | undefined;
  /** The `retry.calculateDelay` the caller's options had (put back when the call is over). */
  private readonly givenDelay: unknown;
  /** got's default `retry.limit`, lifted for the call (put back when it is over); `undefined` when it was yours. */
  private readonly liftedLimit: number | undefined;
  /** Your own `retry.calculateDelay`, when the options carry one other than got's default. */
  private readonly userDelay: ((info: RetryInfo) => number | Promise<number>) | undefined;
  /** beforeRequest hooks that run before ours (one of them may set a credential). */
  private readonly userBeforeRequestHooks: number;
  /** No afterResponse hook runs before ours: a response's decoded `body` is still got's own. */
  private readonly bodyIsGots: boolean;
  /** Ends the current try's turn with the pacer (its slot is held until the try is over). */
  private release: (() => void) | undefined;
  /** Tells the pacer that a turn started at once has its request on the wire (see `watch`). */
  private unsent: (() => void) | undefined;
  /** The verdict behind a {@link ResendAfterSuccess}, carried out by `calculateDelay`. */
  private resendVerdict: TryVerdict | undefined;
  /** The decision that ended the call, added to got's error. */
  private failure: GotFailureInit | undefined;
  /** Header names the previous try's `attemptHeaders` set (a later try must not inherit them). */
  private attemptHeaderNames: string[] = [];
  /** The last error `calculateDelay` judged (`beforeError` judges only errors it did not see). */
  private judgedError: Error | undefined;
  /** got is about to send again (a stream's old request closes first). */
  private resending = false;
  private finished = false;
  /** Our listener is on the caller's signal. */
  private listening = false;
  /** Waits (a pacer turn, a retry wait) in progress: only these need telling that the call has ended. */
  private waits = 0;
  /** A spec FormData body: got encodes it into a one-shot generator, so a resend starts from it again. */
  private readonly formData: { body: unknown; typeSet: boolean } | undefined;
  /** The call's `deadlineMs`, started with the call. */
  private readonly deadline: CallDeadline | undefined;
  /** The request of the current try (what the deadline tears down). */
  private liveRequest: { destroy(error?: Error): unknown } | undefined;
  /** Tries sent so far, and the status of the last response (for the deadline's error). */
  private tries = 0;
  private lastStatus: number | undefined;

  constructor(
    private readonly setup: ResilienceSetup,
    options: Options,
  ) {
    this.userSignal = options.signal as AbortSignal | undefined;
    this.secrets = requestCredentials(options);
    this.options = options;
    const body = options.body as unknown;
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      this.formData = { body, typeSet: 'content-type' in options.headers };
    }
    // got clones hooks and retry settings into every retry's options, so these follow the call.
    this.userBeforeRequestHooks = options.hooks.beforeRequest.length;
    this.bodyIsGots = options.hooks.afterResponse.length === 0;
    options.hooks.afterResponse.push(this.afterResponse);
    options.hooks.beforeError.unshift(this.beforeError);
    const given = options.retry.calculateDelay as unknown;
    this.givenDelay = given;
    this.userDelay =
      given !== GOT_DEFAULT_DELAY && typeof given === 'function'
        ? (given as (info: RetryInfo) => number | Promise<number>)
        : undefined;
    options.retry.calculateDelay = this.calculateDelay;
    // got's default limit (2) would cut the policy's resends short; a limit of yours caps them. With
    // your own calculateDelay (it has the final say, and may answer > 0 for ever) got's limit stays
    // what got makes it: a limit of 2 set per call cannot be told from the default, and lifting it
    // would leave nothing to stop the resends.
    const limit = options.retry.limit as unknown;
    this.liftedLimit =
      limit === GOT_DEFAULT_LIMIT && this.userDelay === undefined && !LIMIT_SET_PER_CALL.has(options)
        ? (limit as number)
        : undefined;
    if (this.liftedLimit !== undefined) options.retry.limit = Number.POSITIVE_INFINITY;
    const deadlineMs = setup.options.deadlineMs;
    if (deadlineMs !== undefined) {
      this.deadline = new CallDeadline(setup.time, deadlineMs);
      this.deadline.signal.addEventListener('abort', this.onDeadline, { once: true });
    }
    // Paced tries, per-attempt headers and credentials a hook of yours sets are handled before each
    // send. The turn is taken there, not when the call starts: only then is got committed to
    // sending (a handler after ours, a cookie jar or got's own checks may still end the call first,
    // and a deadline or a closed pacing must fail the call through got, not throw from got()).
    if (setup.options.pacing !== false || setup.options.attemptHeaders || this.userBeforeRequestHooks > 0) {
      options.hooks.beforeRequest.push(this.beforeRequest);
    }
    // Your abort ends the call with got's AbortError, which no hook of ours sees: followed from the
    // start, so its options lose their credentials whatever the pacing (see onUserAbort).
    if (this.secrets.length > 0) this.follow();
  }

  /**
   * got did not take the call (its handler chain threw): the call ends, and its deadline watch with it.
   */
  abandon(): void {
    this.finish();
  }

  private get context(): CallContext {
    return this.ensure().context;
  }

  private get judge(): TryJudge {
    return this.ensure().judge;
  }

  private get stopped(): boolean {
    if (this.deadline?.passed) return true;
    return this.state?.stop.signal.aborted ?? this.userSignal?.aborted ?? false;
  }

  /** This vendor's (and credential's) pacer; `undefined` with `pacing: false`. */
  private get pacer(): VendorPacer | undefined {
    this.pacerLookup ??= lookUpPacer(this.setup, this.secrets);
    return this.pacerLookup.pacer;
  }

  /** Makes the call's engine state (see {@link state}) and starts following the caller's signal. */
  private ensure(): NonNullable<GotCall['state']> {
    if (this.state) return this.state;
    const stop = new AbortController();
    const signal = this.userSignal;
    if (signal?.aborted) stop.abort(abortReason(signal));
    else this.follow();
    this.pacerLookup ??= lookUpPacer(this.setup, this.secrets);
    const context = new CallContext(this.setup, {
      signal: stop.signal,
      secrets: this.secrets,
      deadline: this.deadline,
      pacer: this.pacerLookup,
    });
    const judge = new TryJudge({ context, phase: 'submit', accept: ACCEPT_OK });
    this.state = { context, judge, stop };
    return this.state;
  }

  /**
   * Follows the request got returned (a promise or a stream) for what hooks do not see: each try's
   * socket, to end its pacer turn when the try is over; `cancel()`; a stream's `close`.
   */
  watch(
    returned: {
      on(
        event: 'request',
        listener: (request: { once(e: 'close', l: () => void): unknown }) => void,
      ): unknown;
    },
    isStream: boolean,
  ): void {
    if (this.setup.options.pacing !== false || this.deadline) {
      returned.on('request', (request) => {
        this.tries++;
        this.liveRequest = request as unknown as GotCall['liveRequest'];
        const sent = this.unsent;
        this.unsent = undefined;
        sent?.();
        this.state?.context.trySent();
        const release = this.release;
        if (release) request.once('close', release);
      });
    }
    if (isStream) {
      const stream = returned as unknown as Duplex;
      if (this.setup.options.pacing !== false || this.setup.options.onDecision) {
        stream.once('response', this.streamResponse);
      }
      // got builds a stream's resend (`createRetryStream` in its `retry` event) as a new Request
      // outside the handlers: it is followed like the first one, or its pacer turn and end go unseen.
      const emit = stream.emit;
      stream.emit = (event: string | symbol, ...args: unknown[]): boolean => {
        const create = args[2];
        if (event === 'retry' && typeof create === 'function') {
          args[2] = (...options: unknown[]) => {
            const next = (create as (...o: unknown[]) => unknown)(...options);
            this.watch(next as Parameters<GotCall['watch']>[0], true);
            return next;
          };
        }
        return emit.call(stream, event, ...args);
      };
      stream.once('close', () => {
        if (!this.resending) this.finish();
      });
      stream.once('end', () => {
        this.finish();
        this.restore((stream as unknown as { options?: Options }).options);
        // got keeps a read stream open after its end (no autoDestroy), and with it its listener on the
        // caller's signal: aborting later would destroy a finished request nobody listens to any more.
        if (this.userSignal === undefined) return;
        if (stream.writableFinished) stream.destroy();
        else stream.once('finish', () => stream.destroy());
      });
      return;
    }
    const promise = returned as unknown as Record<string, unknown> & { cancel?: (reason?: string) => void };
    const cancel = promise.cancel;
    if (typeof cancel === 'function') {
      promise.cancel = (reason?: string) => {
        this.finish();
        this.scrubForGotsError();
        cancel.call(promise, reason);
      };
    }
    // `.json()` and friends parse after the call, outside got's hooks: their ParseError (which
    // quotes the URL) is scrubbed here. The shortcut keeps got's methods, as got's own does.
    // Without a known credential (or a hook of yours that could add one) there is nothing to scrub.
    if (
      this.secrets.length === 0 &&
      (this.setup.options.secrets ?? []).length === 0 &&
      this.userBeforeRequestHooks === 0
    ) {
      return;
    }
    for (const name of ['json', 'text', 'buffer']) {
      const shortcut = promise[name];
      if (typeof shortcut !== 'function') continue;
      const scrub = (error: Error): Error =>
        markGotError(error, undefined, this.state?.context.secrets ?? this.allSecrets());
      promise[name] = function (this: unknown) {
        const parsed = (shortcut as () => Promise<unknown>).call(this);
        const scrubbed = parsed.catch((error: unknown) => {
          throw error instanceof Error ? scrub(error) : error;
        });
        // got's shortcut result carries the call's `on`, `off` and shortcuts, set by assignment (so
        // enumerable): Object.assign copies them in 0.1 µs, where copying descriptors took 2–3 µs.
        Object.assign(scrubbed, parsed);
        return scrubbed;
      };
    }
  }

  /** Ends the call when the caller's signal aborts (got's promise rejects without asking us again). */
  private follow(): void {
    const signal = this.userSignal;
    if (!signal || this.listening || this.finished) return;
    signal.addEventListener('abort', this.onUserAbort, { once: true });
    this.listening = true;
  }

  /** Why a wait of the call ended early, as its stop signal would say: the caller's abort, the deadline or the call's end. */
  private endedReason(): unknown {
    const stop = this.state?.stop.signal;
    if (stop?.aborted) return abortReason(stop);
    if (this.userSignal?.aborted) return abortReason(this.userSignal);
    if (this.deadline?.passed) return this.deadline.reason;
    return CALL_ENDED;
  }

  private readonly onUserAbort = (): void => {
    // got's promise rejects at once without asking `calculateDelay` or `beforeError` again: end here.
    if (this.waits > 0) this.state?.stop.abort(abortReason(this.userSignal as AbortSignal));
    this.finish();
    this.scrubForGotsError();
  };

  /**
   * The call ends with got's own AbortError or CancelError (your abort or cancel), raised as got
   * raises it and through no hook of ours: it quotes the call's options, so their credentials are
   * replaced in place (nothing sends with them any more), as for every error of the call.
   */
  private scrubForGotsError(): void {
    redactOptions(this.options, this.state?.context.secrets ?? this.allSecrets());
  }

  /**
   * The deadline passed: the call ends with the deadline's decision. A try in flight is torn down
   * (got raises it as a request error with code `ETIMEDOUT`); a wait or queued turn ends at once.
   */
  private readonly onDeadline = (): void => {
    const deadline = this.deadline as CallDeadline;
    const what =
      this.waits > 0
        ? `the call was waiting to send attempt ${this.tries + 1}`
        : `attempt ${Math.max(1, this.tries)} was in flight`;
    this.failure ??= {
      vendor: this.setup.policy.vendor,
      decision: deadline.decision(this.setup.policy.vendor, what),
      attempts: Math.max(1, this.tries),
      status: this.lastStatus,
      requestId: undefined,
      vendorMessage: undefined,
    };
    if (this.waits > 0) this.state?.stop.abort(deadline.reason);
    const live = this.liveRequest;
    this.finish();
    live?.destroy(Object.assign(new Error(deadline.reason.message), { code: 'ETIMEDOUT' }));
  };

  /** The call is over: no more waits, turns or listeners. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.liveRequest = undefined;
    this.deadline?.cancel();
    this.deadline?.signal.removeEventListener('abort', this.onDeadline);
    this.releaseTurn();
    // A resend that took a retry token and was never sent (your calculateDelay answered 0, a
    // beforeRetry hook threw, the call was cancelled in its wait) gives the token back.
    this.state?.context.end();
    // Removed explicitly even after it fired: every listener added is removed (got's own tests count).
    if (this.listening) this.userSignal?.removeEventListener('abort', this.onUserAbort);
    const stop = this.state?.stop;
    if (this.waits > 0 && stop && !stop.signal.aborted) stop.abort(CALL_ENDED);
  }

  private releaseTurn(): void {
    const release = this.release;
    this.release = undefined;
    this.unsent = undefined;
    release?.();
  }

  /**
   * Takes this try's turn under the vendor's limits and gate (the turn lasts until the try is
   * over): `undefined` when it started at once, else a promise that resolves once it has.
   */
  private turn(): Promise<void> | undefined {
    this.releaseTurn();
    const pacer = this.pacer;
    if (!pacer) return undefined;
    // A turn that starts at once is never queued, so nothing has to be able to take it out of
    // the queue: the engine state's AbortController (costly to make) is left for a turn that waits.
    if (pacer.startNow && !this.finished && !this.stopped) {
      const started = pacer.startNow();
      if (started) {
        this.follow();
        this.release = started.end;
        this.unsent = started.sent;
        return undefined;
      }
    }
    return this.queuedTurn(pacer);
  }

  /** A turn that waits: the call's waits end it when the call ends (see finish()). */
  private async queuedTurn(pacer: VendorPacer): Promise<void> {
    this.waits++;
    try {
      await this.queued(pacer);
    } finally {
      this.waits--;
    }
  }

  /** Queues for a pacer slot; resolves once this try holds it. */
  private queued(pacer: NonNullable<CallContext['pacer']>): Promise<void> {
    return new Promise<void>((granted, refused) => {
      pacer
        .schedule(
          () =>
            new Promise<void>((done) => {
              this.release = done;
              granted();
            }),
          { signal: this.context.signal },
        )
        .catch(refused);
    });
  }

  // Not async: a try whose turn starts at once returns nothing for got to wait on.
  private readonly beforeRequest = (
    options: { headers: Options['headers'] },
    hook?: { retryCount?: number },
  ): Promise<void> | undefined => {
    this.resending = false;
    const tryNumber = (hook?.retryCount ?? 0) + 1;
    if (this.setup.options.attemptHeaders) {
      const headers = options.headers;
      for (const name of this.attemptHeaderNames) delete headers[name];
      const extra = this.context.attemptHeaders(tryNumber, 'submit');
      this.attemptHeaderNames = Object.keys(extra).map((name) => name.toLowerCase());
      for (const name in extra) headers[name.toLowerCase()] = extra[name];
    }
    // A hook before ours (a token refresh) may have set a credential: scrub it from errors too.
    // The engine state is only made for one not known yet (the request's own are, from the start).
    const found = credentialsIn(undefined, options.headers);
    const known = this.state?.context.secrets ?? this.secrets;
    if (found.some((value) => !known.includes(value))) this.context.addSecrets(found);
    return this.turn();
  };

  private readonly afterResponse = (response: Response): Response | Promise<Response> => {
    this.releaseTurn();
    const status = response.statusCode;
    this.lastStatus = status;
    // Non-2xx answers reach the engine through got's retry (`calculateDelay`), after got made them an HTTPError.
    if (status < 200 || status > 299) return response;
    if (this.state === undefined) {
      // No try of this call was judged yet: an `ok` from the engine, once the pacer (if any) and
      // `onDecision` have seen it, is all there is to it, and the engine state the judge would
      // make for it is not needed.
      const { vendor } = this.setup.policy;
      const observation = gotResponseObservation(response, this.bodyIsGots);
      const decision = this.setup.decideSignal(signalOf(observation, vendor, 'submit', 1));
      if (decision.action === 'ok') {
        // A pacer hands an `ok` back unchanged (VendorPacer.record): nothing to wait for.
        this.pacer?.record(decision).catch(() => undefined);
        if (this.setup.options.onDecision) {
          // No call id was handed out yet (attemptHeaders would have made the engine state).
          const event = {
            vendor,
            phase: 'submit' as const,
            attempt: 1,
            callId: randomUUID(),
            status,
            decision,
          };
          reportDecision(this.setup, event, this.allSecrets());
        }
        return this.accepted(response);
      }
    }
    return this.judged(response);
  };

  /**
   * A `got.stream`'s response: got runs no `afterResponse` hooks for streams, so a 2xx is shown to
   * the engine here, by its status and headers (the body is the caller's to read). An accepted one
   * counts as a promise call's does: the pacer's slow-start window grows and the retry budget
   * refills (unseen, streams alone kept the window at its first size and only ever drained the
   * budget), and `onDecision` reports it. Any other verdict is left alone, as before: got delivers
   * the body, and a resend is the caller's (got's `retry` event).
   */
  private readonly streamResponse = (response: Response): void => {
    const status = response.statusCode;
    if (status < 200 || status > 299 || this.finished || this.stopped) return;
    const context = this.context;
    const observation: Observation = { transport: 'http', status, headers: response.headers };
    const { decision, attempt } = decideCounted(context, observation, 'submit', this.judge.counters);
    if (decision.action !== 'ok') return;
    context.report(decision, 'submit', attempt, status);
    context.settle();
    void context.recorded(decision);
  };

  /** A 2xx judged like any try: accepted, resent (through got's retry) or the end of the call. */
  private async judged(response: Response): Promise<Response> {
    const tryNumber = response.retryCount + 1;
    const options = response.request.options;
    const verdict = await this.judge.judge(
      { observation: gotResponseObservation(response, this.bodyIsGots), value: undefined },
      tryNumber,
      { charge: resendBlocked(options, tryNumber, options.retry.limit ?? Infinity) === undefined },
    );
    return this.carryOut(response, verdict);
  }

  /** Hands a judged 2xx back, or has got send again (`calculateDelay` carries out the verdict). */
  private carryOut(response: Response, verdict: TryVerdict): Response {
    if (verdict.accepted) return this.accepted(response);
    this.resendVerdict = verdict;
    throw new ResendAfterSuccess(verdict.decision.reason);
  }

  /** The call ends with this response. */
  private accepted(response: Response): Response {
    this.finish();
    this.restore(response.request.options);
    return response;
  }

  /** Every credential known without the call's engine state: the caller's `secrets` and the request's. */
  private allSecrets(): readonly string[] {
    const yours = this.setup.options.secrets;
    // The common case (no `secrets` option) makes no array per call: the telemetry asks on every 2xx.
    return yours === undefined || yours.length === 0 ? this.secrets : [...yours, ...this.secrets];
  }

  private readonly calculateDelay = async (info: RetryInfo): Promise<number> => {
    const delayMs = await this.delayFor(info);
    // No resend: got ends the call now, raising its error through `beforeError` (which must still
    // be there, and restores the rest), or resolving with the response (throwHttpErrors: false).
    const options = info.error.options;
    if (delayMs === 0)
      this.restore(options, info.error.name !== 'HTTPError' || options?.throwHttpErrors !== false);
    return delayMs;
  };

  /** What `calculateDelay` answers got: 0 for no resend, else the delay before got sends again. */
  private async delayFor(info: RetryInfo): Promise<number> {
    this.releaseTurn();
    const { error, attemptCount } = info;
    this.judgedError = error;
    // `retryWithMergedOptions` from an afterResponse hook: got's own default answer (1 ms), or yours.
    if (error.name === 'RetryError') return this.userDelay ? this.userDelay(info) : 1;
    if (this.finished || this.stopped) return 0;
    const next = await this.nextStep(info);
    if (this.userDelay) {
      // Your `retry.calculateDelay` has the final say, as in got: it is offered the engine's wait.
      const offered = 'resend' in next ? next.resend.decision.delayMs : 0;
      const answer = await this.userDelay({ ...info, computedValue: offered });
      // ...within the request's retry.limit (and a body that can be sent again), whatever
      // enforceRetryRules says: an answer that never turns 0 must not resend for ever.
      if (answer > 0 && resendBlocked(error.options, attemptCount, info.retryOptions.limit) === undefined)
        return this.resend(error, answer);
      // got asks your calculateDelay in the tick of the failure and raises its error only after that
      // tick's process.nextTick callbacks: an abort your calculateDelay scheduled there ends the call
      // as an abort. Asked after the engine, from a promise continuation, you would see got raise
      // first; so the callbacks you scheduled run before got hears that the call ends.
      await tickEnd();
      if (this.finished) return 0;
      if ('resend' in next) {
        const why = 'your retry.calculateDelay answered 0';
        return this.endedWith(next.resend, why, attemptCount, error.response?.statusCode);
      }
      return this.ended(next.end);
    }
    if (!('resend' in next)) return this.ended(next.end);
    this.waits++;
    try {
      await this.context.wait(next.resend.decision, next.resend.wait);
    } catch (waitError) {
      return this.ended(waitError);
    } finally {
      this.waits--;
    }
    if (this.finished) return 0;
    // got waits this long itself before it sends again; the wait has been done (on the call's clock).
    return this.resend(error, 1);
  }

  /**
   * The call is over: its request's options become the caller's again, without this call's hooks
   * and delay function (got hands them out as `response.request.options` and `error.options`, and
   * pagination builds the next page's request from them). The arrays are replaced, not spliced:
   * got may be iterating the old ones.
   */
  private restore(options: Options | undefined, keepBeforeError = false): void {
    if (!options?.hooks) return;
    // Each hook of ours is only ever in its own list: one look per list, on every call's end.
    const hooks = options.hooks as unknown as Record<string, unknown[] | undefined>;
    unhook(hooks, 'init', noteLimitSetPerCall);
    unhook(hooks, 'beforeRequest', this.beforeRequest);
    unhook(hooks, 'afterResponse', this.afterResponse);
    if (!keepBeforeError) unhook(hooks, 'beforeError', this.beforeError);
    if (options.retry.calculateDelay === (this.calculateDelay as unknown)) {
      options.retry.calculateDelay = this.givenDelay as NonNullable<Options['retry']['calculateDelay']>;
      if (this.liftedLimit !== undefined) options.retry.limit = this.liftedLimit;
    }
  }

  /** got sends again after `delayMs`: the next try starts from the caller's request. */
  private resend(error: RetryInfo['error'], delayMs: number): number {
    this.resendVerdict = undefined;
    this.resending = true;
    if (this.formData && error.options) restoreFormData(error.options, this.formData);
    return delayMs;
  }

  /**
   * What the call does about an error got is about to raise: resend after the engine's wait, or
   * end (with the typed error that ends it, when the engine decided). Has no effect on the call.
   */
  private async nextStep(info: RetryInfo): Promise<{ resend: ResendVerdict } | { end: unknown }> {
    const { error, attemptCount } = info;
    const status = error.response?.statusCode;
    const blocked = resendBlocked(error.options, attemptCount, info.retryOptions.limit);
    // A resend that cannot happen takes no retry token: the budget counts the resends sent.
    const verdict = await this.verdictFor(error, attemptCount, blocked === undefined);
    if (!verdict || 'end' in verdict) return { end: verdict?.end };
    if (verdict.accepted) {
      // The engine reads the status as no error (a 3xx got did not follow), but got raises it.
      if (error.name !== 'HTTPError' || error.options?.throwHttpErrors === false) return { end: undefined };
      const why = `got raises status ${status ?? 'unknown'} as an HTTPError (throwHttpErrors)`;
      return { end: this.failureFor(verdict, why, attemptCount, status) };
    }
    if (blocked !== undefined) return { end: this.failureFor(verdict, blocked, attemptCount, status) };
    return { resend: verdict };
  }

  /**
   * The engine's verdict on an error got is about to raise; `undefined` when the error is not the
   * vendor's word (got's own verdicts, your code's errors); `end` when the engine ended the call.
   */
  private async verdictFor(
    error: RetryInfo['error'],
    tryNumber: number,
    /** false: got will not send again whatever the verdict (see {@link resendBlocked}). */
    charge: boolean,
  ): Promise<TryVerdict | { end: unknown } | undefined> {
    const cause = error.cause;
    if (cause instanceof ResendAfterSuccess) return this.resendVerdict;
    // The engine already ended the call on a 2xx, or the pacer refused the try.
    if (isVendorError(cause)) return { end: cause };
    if (GOT_VERDICTS.has(error.name)) return undefined;
    let observation: Observation;
    if (error.name === 'HTTPError' && error.response) {
      observation = gotResponseObservation(error.response, this.bodyIsGots);
    } else if (isNetworkFailure(error)) {
      observation = networkObservation(error);
    } else {
      return undefined;
    }
    try {
      return await this.judge.judge({ observation, value: undefined, cause: error }, tryNumber, { charge });
    } catch (judged) {
      return { end: judged };
    }
  }

  /** The typed error for a decision that allowed going on (or accepted) when the call cannot, and why. */
  private failureFor(
    verdict: TryVerdict,
    why: string,
    attempts: number,
    status: number | undefined,
  ): unknown {
    const vendorMessage = verdict.accepted
      ? undefined
      : this.context.vendorMessage(verdict.observation, 'submit');
    return this.context.failure(endedDecision(verdict.decision, why), attempts, status, { vendorMessage });
  }

  /** Ends the call with the engine's decision, which allowed going on (or accepted), and why it does not. */
  private endedWith(verdict: TryVerdict, why: string, attempts: number, status: number | undefined): 0 {
    return this.ended(this.failureFor(verdict, why, attempts, status));
  }

  /** Ends the call with what ended it (a typed error's decision is kept for got's error); got sends nothing more. */
  private ended(reason?: unknown): 0 {
    if (isVendorError(reason) && this.failure === undefined) {
      this.failure = {
        vendor: reason.vendor,
        decision: reason.decision,
        attempts: reason.attempts,
        status: reason.status,
        requestId: reason.requestId,
        vendorMessage: reason.vendorMessage,
      };
    }
    this.finish();
    return 0;
  }

  private readonly beforeError = async (error: Error): Promise<Error> => {
    // got's streams raise errors without asking `calculateDelay` unless the caller handles `retry`:
    // the engine still judges the error, so it carries the decision like a promise call's.
    if (this.failure === undefined && this.judgedError !== error && !this.stopped) {
      const request = (error as { request?: { retryCount?: number } }).request;
      const tryNumber = (request?.retryCount ?? 0) + 1;
      // got raises this error: no resend follows, so none is charged to the retry budget.
      const verdict = await this.verdictFor(error, tryNumber, false);
      const status = (error as RetryInfo['error']).response?.statusCode;
      if (verdict !== undefined && 'end' in verdict) {
        this.ended(verdict.end);
      } else if (verdict !== undefined && !verdict.accepted) {
        const why = "got does not resend a stream by itself (handle the stream's `retry` event to resend)";
        this.endedWith(verdict, why, tryNumber, status);
      } else if (verdict !== undefined && error.name === 'HTTPError') {
        this.endedWith(
          verdict,
          `got raises status ${status ?? 'unknown'} as an HTTPError`,
          tryNumber,
          status,
        );
      }
    }
    this.finish();
    this.restore((error as { options?: Options }).options);
    return markGotError(error, this.failure, this.state?.context.secrets ?? this.allSecrets());
  };
}
