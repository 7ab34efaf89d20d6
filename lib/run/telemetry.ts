import type { Decision, Phase } from '../core/engine/types.js';
import { formatMs } from '../core/engine/reason.js';
import { isThenable } from './is-thenable.js';
import type { TimeSource } from './time-source.js';
import type { ArgumentCheck } from './validate-arguments.js';

/** Attribute values of a metric point, span event or log object: never a credential, header or body. */
export type TelemetryAttributes = Record<string, string | number>;

/**
 * A logger with pino's calling convention, `(object, message)`: pino, or any logger whose
 * `debug`/`info`/`warn` take an object of fields and a message.
 */
export interface TelemetryLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
}

/**
 * The part of an OpenTelemetry `Meter` the library uses: pass `metrics.getMeter('your-service')`
 * from `@opentelemetry/api` (an optional peer dependency the library itself never imports).
 */
export interface TelemetryMeter {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): { add(value: number, attributes?: TelemetryAttributes): void };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string },
  ): { record(value: number, attributes?: TelemetryAttributes): void };
}

/** The part of OpenTelemetry's `trace` API the library uses: pass `trace` from `@opentelemetry/api`. */
export interface TelemetryTrace {
  /** The span active in the current context (a context manager must be registered for there to be one). */
  getActiveSpan(): { addEvent(name: string, attributes?: TelemetryAttributes): unknown } | undefined;
}

/** The `telemetry` option of every adapter and of `createPacing`: where decisions, waits and pacing events go. */
export interface TelemetryOptions {
  /** OpenTelemetry metrics: `metrics.getMeter('your-service')` from `@opentelemetry/api`. */
  meter?: TelemetryMeter | undefined;
  /** OpenTelemetry span events on the active span: `trace` from `@opentelemetry/api`. */
  trace?: TelemetryTrace | undefined;
  /** Log lines, pino-style `(fields, message)`. */
  logger?: TelemetryLogger | undefined;
  /** How often a long wait logs (and adds a span event) with the time it has left, in ms (default 30 000). */
  waitingEveryMs?: number | undefined;
}

/**
 * One decision the engine made during a call, as `onDecision` and the telemetry see it. Carries no
 * headers or bodies. Declared here, next to its main consumer, so run-options.ts can use it without a cycle.
 */
export interface DecisionEvent {
  /** The policy's vendor name (`zenhire`, or the `vendor` of your own policy). */
  vendor: string;
  /** What the try was: `submit`, `poll`, `stream`, `connect` … (the signal's phase). */
  phase: Phase;
  /** The `attempt` number sent to the engine with the signal. */
  attempt: number;
  /** Random id of the logical call, the same for every try (`AttemptContext.callId`). */
  callId: string;
  /** HTTP status of the response decided about, when there was one. */
  status?: number;
  /** The decision the call acted on (redacted: no credential). */
  decision: Decision;
}

/** Names of the metrics, span events and log messages (docs/telemetry.md lists their attributes). */
export const TELEMETRY_NAMES = {
  decisions: 'vendor_resilience.decisions',
  waitDuration: 'vendor_resilience.wait.duration',
  gateClosedDuration: 'vendor_resilience.gate.closed.duration',
  budgetExhausted: 'vendor_resilience.budget.exhausted',
  decisionEvent: 'vendor_resilience.decision',
  waitingEvent: 'vendor_resilience.waiting',
} as const;

type Counter = ReturnType<TelemetryMeter['createCounter']>;
type Histogram = ReturnType<TelemetryMeter['createHistogram']>;

/** What the `waiting` progress ticker logs about: the wait and the call it belongs to. */
interface WaitWatch {
  vendor: string;
  callId: string;
  decision: Decision;
}

const DEFAULT_WAITING_EVERY_MS = 30_000;

/**
 * Checks a `telemetry` option up front (a wrong sink would otherwise fail silently, inside the
 * guard that keeps a broken logger from breaking a call): a `TypeError` naming the field.
 */
export function checkTelemetryOption(check: ArgumentCheck, value: unknown): void {
  check.options('options.telemetry', value);
  if (value === undefined) return;
  const has = (object: unknown, methods: readonly string[]): boolean =>
    typeof object === 'object' &&
    object !== null &&
    methods.every((m) => typeof (object as Record<string, unknown>)[m] === 'function');
  const { meter, trace, logger, waitingEveryMs } = value;
  check.that(
    meter === undefined || has(meter, ['createCounter', 'createHistogram']),
    'options.telemetry.meter',
    "an OpenTelemetry Meter (metrics.getMeter('…')) or undefined",
    meter,
  );
  check.that(
    trace === undefined || has(trace, ['getActiveSpan']),
    'options.telemetry.trace',
    "OpenTelemetry's trace API (import { trace } from '@opentelemetry/api') or undefined",
    trace,
  );
  check.that(
    logger === undefined || has(logger, ['debug', 'info', 'warn']),
    'options.telemetry.logger',
    'a logger with debug, info and warn (pino) or undefined',
    logger,
  );
  check.that(
    waitingEveryMs === undefined ||
      (typeof waitingEveryMs === 'number' && Number.isFinite(waitingEveryMs) && waitingEveryMs > 0),
    'options.telemetry.waitingEveryMs',
    'a positive number of milliseconds or undefined',
    waitingEveryMs,
  );
}

/**
 * The one observability hook: turns decisions, waits and pacing events into OpenTelemetry metrics
 * and span events and pino-style log lines. Built once per adapter (or pacing) only when the
 * `telemetry` option is given, so a call without it pays nothing. Every sink call is guarded: a
 * throwing logger or exporter never changes the outcome of a call.
 */
export class Telemetry {
  private readonly decisions: Counter | undefined;
  private readonly waits: Histogram | undefined;
  private readonly gateClosed: Histogram | undefined;
  private readonly budgetExhausted: Counter | undefined;
  private readonly waitingEveryMs: number;

  constructor(readonly options: TelemetryOptions) {
    const meter = options.meter;
    this.waitingEveryMs = options.waitingEveryMs ?? DEFAULT_WAITING_EVERY_MS;
    if (!(this.waitingEveryMs > 0)) {
      throw new RangeError(
        `options.telemetry.waitingEveryMs must be a positive number of milliseconds (got ${String(options.waitingEveryMs)})`,
      );
    }
    if (!meter) return;
    // A meter that cannot make an instrument (its provider shut down, a wrong SDK) leaves that
    // metric off: the adapter is made and its calls run all the same, and the failure is said once.
    let failure: unknown;
    const made = <T>(create: () => T): T | undefined => {
      try {
        return create();
      } catch (error) {
        failure ??= error;
        return undefined;
      }
    };
    this.decisions = made(() =>
      meter.createCounter(TELEMETRY_NAMES.decisions, {
        description: 'Decisions the calls acted on, by vendor, action, category and code',
      }),
    );
    this.waits = made(() =>
      meter.createHistogram(TELEMETRY_NAMES.waitDuration, {
        description: 'Waits before the next try, poll or reconnect',
        unit: 'ms',
      }),
    );
    this.gateClosed = made(() =>
      meter.createHistogram(TELEMETRY_NAMES.gateClosedDuration, {
        description: "How long a vendor's backoff gate stayed closed",
        unit: 'ms',
      }),
    );
    this.budgetExhausted = made(() =>
      meter.createCounter(TELEMETRY_NAMES.budgetExhausted, {
        description: "Retries refused because the vendor's retry budget was empty",
      }),
    );
    if (failure !== undefined) this.meterFailed(failure);
  }

  /** Says that the meter could not make an instrument: through the logger, else as a process warning. */
  private meterFailed(error: unknown): void {
    const why = error instanceof Error ? error.message : typeof error === 'string' ? error : 'not an Error';
    const message = `vendor-resilience: telemetry.meter could not make its instruments (${why}); those metrics are off, the calls are not affected`;
    const logger = this.options.logger;
    if (logger) guarded(logger, 'warn', { error: why }, message);
    else process.emitWarning(message, 'VendorResilienceWarning');
  }

  /**
   * A decision the call acted on, as `onDecision` receives it: already redacted (the vendor's code
   * and the reason quote the vendor, who may echo the key; see call-context's reportDecision).
   */
  decided(event: DecisionEvent): void {
    const { decision } = event;
    // Built key by key, not as `{ ...metric, more }`: on Node 20 (V8 11) a literal that adds
    // properties after a spread takes a slow path (about 2 µs per decision; see signalOf).
    const metric: TelemetryAttributes = {
      vendor: event.vendor,
      action: decision.action,
      category: decision.category,
      phase: event.phase,
    };
    if (decision.code !== undefined) metric['code'] = decision.code;
    if (this.decisions) guarded(this.decisions, 'add', 1, metric);
    const logger = this.options.logger;
    // The details are only built for a span or a logger (with no SDK registered there is no span).
    const span = this.options.trace && activeSpan(this.options.trace);
    if (!logger && !span) return;
    const detail: TelemetryAttributes = Object.assign({}, metric, {
      attempt: event.attempt,
      call_id: event.callId,
      delay_ms: decision.delayMs,
      rule: decision.rule,
    });
    if (event.status !== undefined) detail['status'] = event.status;
    if (span) addEvent(span, TELEMETRY_NAMES.decisionEvent, detail);
    if (!logger) return;
    const reason = decision.reason;
    const message = `${event.vendor}: ${reason}`;
    const fields = Object.assign({}, detail, { reason });
    const level = decision.action === 'fail' ? 'warn' : decision.action === 'ok' ? 'debug' : 'info';
    guarded(logger, level, fields, message);
  }

  /**
   * A wait of `watch.decision.delayMs` starts on `time`: it is measured, and while it lasts a
   * `waiting` line (and span event) says every `waitingEveryMs` how long is left, so a 20-minute
   * warm-up shows progress. Returns what stops the ticker (call it however the wait ends).
   */
  waitStarted(watch: WaitWatch, time: TimeSource): () => void {
    const { decision } = watch;
    if (this.waits) {
      const attributes = { vendor: watch.vendor, action: decision.action, category: decision.category };
      guarded(this.waits, 'record', decision.delayMs, attributes);
    }
    const every = this.waitingEveryMs;
    if (decision.delayMs <= every || !(this.options.logger || this.options.trace)) return noop;
    const stop = new AbortController();
    const endAtMs = time.now() + decision.delayMs;
    const span = this.options.trace;
    const tick = (): void => {
      const remainingMs = endAtMs - time.now();
      if (remainingMs <= 0 || stop.signal.aborted) return;
      const fields: TelemetryAttributes = {
        vendor: watch.vendor,
        call_id: watch.callId,
        action: decision.action,
        category: decision.category,
        delay_ms: decision.delayMs,
        remaining_ms: remainingMs,
      };
      if (span) addSpanEvent(span, TELEMETRY_NAMES.waitingEvent, fields);
      const logger = this.options.logger;
      if (logger) guarded(logger, 'info', fields, `${watch.vendor}: waiting, ${formatMs(remainingMs)} left`);
      next();
    };
    // One tick at a time (not every tick armed up front): a day-long wait holds one timer.
    const next = (): void => {
      if (endAtMs - time.now() <= every) return;
      time.sleep(every, { signal: stop.signal, unref: true }).then(tick, noop);
    };
    next();
    return () => stop.abort();
  }

  /** A vendor's gate was open again after `closedMs` (pacing's `gateClosed` … `gateOpened`). */
  gateWasClosed(vendor: string, closedMs: number): void {
    if (this.gateClosed) guarded(this.gateClosed, 'record', closedMs, { vendor });
    const logger = this.options.logger;
    if (logger)
      guarded(logger, 'info', { vendor, closed_ms: closedMs }, `${vendor}: backoff gate open again`);
  }

  /** A retry refused because the vendor's retry budget is empty (pacing's `budgetExhausted`). */
  budgetWasExhausted(vendor: string, decision: Decision): void {
    if (this.budgetExhausted) guarded(this.budgetExhausted, 'add', 1, { vendor });
    const logger = this.options.logger;
    if (logger) {
      const fields = { vendor, category: decision.category, rule: decision.rule };
      guarded(logger, 'warn', fields, `${vendor}: retry budget exhausted, the call fails`);
    }
  }
}

function noop(): void {}

/**
 * Calls `sink[method](first, second)`; observability must never change the outcome of a call, so
 * a throwing logger, meter or span is ignored, and so is a rejected promise one returns (an async
 * log transport that fails: unhandled, it would end the process). (Method and arguments rather
 * than a closure: no function is allocated per decision.)
 */
function guarded<S, M extends keyof S>(sink: S, method: M, first: unknown, second: unknown): void {
  try {
    const result = (sink[method] as (a: unknown, b: unknown) => unknown).call(sink, first, second);
    if (isThenable(result)) result.then(undefined, noop);
  } catch {
    // Ignored: see above.
  }
}

type Span = NonNullable<ReturnType<TelemetryTrace['getActiveSpan']>>;

/** The active span, if there is one; a throwing tracer is ignored. */
function activeSpan(trace: TelemetryTrace): Span | undefined {
  try {
    return trace.getActiveSpan() ?? undefined;
  } catch {
    return undefined; // Ignored: observability must never change the outcome of a call.
  }
}

/** Adds an event to a span; a throwing span is ignored. */
function addEvent(span: Span, name: string, attributes: TelemetryAttributes): void {
  try {
    span.addEvent(name, attributes);
  } catch {
    // Ignored: observability must never change the outcome of a call.
  }
}

/** Adds an event to the active span, if there is one. */
function addSpanEvent(trace: TelemetryTrace, name: string, attributes: TelemetryAttributes): void {
  const span = activeSpan(trace);
  if (span) addEvent(span, name, attributes);
}
