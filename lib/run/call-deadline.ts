import { formatMs } from '../core/engine/reason.js';
import type { Decision } from '../core/engine/types.js';
import { startTimer, type TimeSource } from './time-source.js';

/**
 * The `deadlineMs` of one logical call, as a signal: it aborts when the deadline passes, so the
 * request in flight, a body still arriving, a pacer queue and a wait all end then, not only the
 * waits. Its reason is a `TimeoutError` DOMException (got turns an abort with that name into its
 * own `TimeoutError`); the call reports it as a `fail` decision of category `deadline_exceeded`.
 */
export class CallDeadline {
  readonly signal: AbortSignal;
  /** When the deadline passes, in ms on the call's clock. */
  readonly atMs: number;
  /** The abort reason the signal carries. */
  readonly reason: DOMException;
  private readonly cancelTimer: () => void;

  constructor(
    time: TimeSource,
    readonly deadlineMs: number,
  ) {
    const controller = new AbortController();
    this.signal = controller.signal;
    this.atMs = time.now() + deadlineMs;
    this.reason = new DOMException(
      `the call's deadline of ${formatMs(deadlineMs)} passed before it ended`,
      'TimeoutError',
    );
    // Unref'd: the call in flight keeps the process alive, not its watch (and an auto-advancing
    // test clock is not pulled forward by it).
    this.cancelTimer = startTimer(time, () => controller.abort(this.reason), deadlineMs, { unref: true });
  }

  /** True once the deadline has passed (the signal aborted). */
  get passed(): boolean {
    return this.signal.aborted;
  }

  /** The call is over: stops the watch (no timer is left behind). */
  cancel(): void {
    this.cancelTimer();
  }

  /** The decision a call ends with when its deadline passes during `what` ("attempt 2 was in flight"). */
  decision(vendor: string, what: string): Decision {
    return {
      action: 'fail',
      category: 'deadline_exceeded',
      delayMs: 0,
      delaySource: 'none',
      rule: `${vendor}#deadline`,
      reason: `The call's deadline of ${formatMs(this.deadlineMs)} passed while ${what}, so the call was stopped there (deadlineMs).`,
    };
  }
}
