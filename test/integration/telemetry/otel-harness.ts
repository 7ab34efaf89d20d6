import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  ROOT_CONTEXT,
  trace,
  type Context,
  type ContextManager,
  type Meter,
} from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetryLogger } from '../../../lib/run/telemetry.js';

/**
 * The smallest real context manager (what @opentelemetry/context-async-hooks' AsyncLocalStorage
 * manager does, which is not installed): without one, `trace.getActiveSpan()` is always undefined.
 */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** A metric reader the test collects from when it wants (the SDK's own collection path). */
class CollectingReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** One metric point as the SDK exported it: the metric's name, its attributes and its value. */
export interface Point {
  name: string;
  unit: string;
  attributes: Record<string, unknown>;
  value: number | { count: number; sum: number | undefined };
}

/** The real OpenTelemetry SDK with in-memory export: a meter, the `trace` API, and a span per call. */
export interface OtelHarness {
  meter: Meter;
  trace: typeof trace;
  /** Every metric point collected so far (cumulative). */
  points(): Promise<Point[]>;
  /** Runs `work` with a fresh span active; returns its result and the span once ended. */
  inSpan<T>(work: () => Promise<T>): Promise<{ result: T; span: ReadableSpan }>;
}

/** Sets up the SDK once per test file (the global context manager and providers are per process). */
export function startOtel(): OtelHarness {
  context.setGlobalContextManager(new StorageContextManager());
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(tracerProvider);
  const tracer = trace.getTracer('telemetry-test');
  return {
    meter: meterProvider.getMeter('telemetry-test'),
    trace,
    async points() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => ({
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            attributes: { ...point.attributes },
            value:
              typeof point.value === 'number'
                ? point.value
                : { count: point.value.count, sum: point.value.sum },
          })),
        ),
      );
    },
    async inSpan(work) {
      const span = tracer.startSpan('vendor call');
      let result;
      try {
        result = await context.with(trace.setSpan(context.active(), span), work);
      } finally {
        span.end();
      }
      const ended = exporter
        .getFinishedSpans()
        .find((s) => s.spanContext().spanId === span.spanContext().spanId);
      if (!ended) throw new Error('the span was not exported');
      return { result, span: ended };
    },
  };
}

/** One line a {@link TelemetryLogger} received. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A pino-shaped logger that keeps every line. */
export function recordingLogger(): TelemetryLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields: { ...fields }, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn') };
}
