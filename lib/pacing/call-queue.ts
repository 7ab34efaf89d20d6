import { abortReason } from '../run/sleep.js';

/** A call waiting for its turn. */
export interface WaitingCall {
  readonly weight: number;
  /** Runs the caller's task and settles the caller's promise; resolves when the task has ended. */
  run(): Promise<void>;
  /** Rejects the caller's promise (abort, queue failure or shutdown). */
  fail(error: Error): void;
}

/**
 * The calls a pacer holds back, first come first served. It is ours, not bottleneck's: an
 * aborted call leaves it at once (bottleneck cannot cancel a queued job), and the limiter's
 * slots go to whichever live call is first when a slot comes up.
 */
export class CallQueue {
  /** Each call with the function that removes its abort listener. */
  private readonly calls = new Map<WaitingCall, () => void>();

  constructor(private readonly onChange: () => void) {}

  /** Adds a call; aborting `signal` removes it and rejects it with the signal's reason. */
  add(call: WaitingCall, signal: AbortSignal | undefined): void {
    if (!signal) {
      this.calls.set(call, () => undefined);
    } else {
      const onAbort = (): void => {
        if (!this.calls.delete(call)) return;
        call.fail(abortReason(signal));
        this.onChange();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // The listener must not outlive the wait, or a long-lived signal would collect them.
      this.calls.set(call, () => signal.removeEventListener('abort', onAbort));
    }
    this.onChange();
  }

  /** Removes and returns the oldest call of this weight. */
  takeFirst(weight: number): WaitingCall | undefined {
    for (const [call, detach] of this.calls) {
      if (call.weight !== weight) continue;
      this.calls.delete(call);
      detach();
      this.onChange();
      return call;
    }
    return undefined;
  }

  /** Waiting calls per weight. */
  countsByWeight(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const call of this.calls.keys()) counts.set(call.weight, (counts.get(call.weight) ?? 0) + 1);
    return counts;
  }

  get size(): number {
    return this.calls.size;
  }

  /** Rejects and removes every waiting call. */
  failAll(error: Error): void {
    const failed = [...this.calls];
    this.calls.clear();
    for (const [call, detach] of failed) {
      detach();
      call.fail(error);
    }
    if (failed.length > 0) this.onChange();
  }
}
