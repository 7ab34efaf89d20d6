import { abortReason } from '../run/sleep.js';

/** A call waiting for its turn. */
export interface WaitingCall {
  readonly weight: number;
  /** Runs the caller's task and settles the caller's promise; resolves when the task has ended. */
  run(): Promise<void>;
  /** Rejects the caller's promise (abort, queue failure or shutdown). */
  fail(error: Error): void;
}

/** Where a waiting call is held: its place in line and the signal it was queued with. */
interface Place {
  /** Order of arrival (the oldest call of a weight is the first of its set). */
  readonly seq: number;
  readonly signal: AbortSignal | undefined;
}

/** The calls waiting on one abort signal, behind the one listener the queue holds on it. */
interface SignalWatch {
  readonly calls: Set<WaitingCall>;
  readonly onAbort: () => void;
}

/**
 * The calls a pacer holds back, first come first served. It is ours, not bottleneck's: an
 * aborted call leaves it at once (bottleneck cannot cancel a queued job), and the limiter's
 * slots go to whichever live call is first when a slot comes up. Every operation costs the same
 * however long the queue is: a queue of 100 000 calls is filled, drained or aborted in time in
 * proportion to its length.
 */
export class CallQueue {
  /** Each waiting call, in order of arrival, with its place. */
  private readonly calls = new Map<WaitingCall, Place>();
  /** The waiting calls of each weight, oldest first; a weight with none has no entry. */
  private readonly byWeight = new Map<number, Set<WaitingCall>>();
  /**
   * One abort listener per signal, not per call: an adapter hands all its calls the same signal
   * (its `signal` option), and adding or removing a listener walks the ones the signal has.
   */
  private readonly bySignal = new Map<AbortSignal, SignalWatch>();
  private nextSeq = 0;

  constructor(private readonly onChange: () => void) {}

  /** Adds a call; aborting `signal` removes it and rejects it with the signal's reason. */
  add(call: WaitingCall, signal: AbortSignal | undefined): void {
    this.calls.set(call, { seq: this.nextSeq++, signal });
    let sameWeight = this.byWeight.get(call.weight);
    if (!sameWeight) {
      sameWeight = new Set();
      this.byWeight.set(call.weight, sameWeight);
    }
    sameWeight.add(call);
    if (signal) {
      let watch = this.bySignal.get(signal);
      if (!watch) {
        watch = { calls: new Set(), onAbort: () => this.abortAll(signal) };
        this.bySignal.set(signal, watch);
        signal.addEventListener('abort', watch.onAbort, { once: true });
      }
      watch.calls.add(call);
    }
    this.onChange();
  }

  /** Removes and returns the oldest call of this weight. */
  takeFirst(weight: number): WaitingCall | undefined {
    const call = this.byWeight.get(weight)?.values().next().value;
    if (call === undefined) return undefined;
    this.remove(call);
    this.onChange();
    return call;
  }

  /** Waiting calls per weight, the weight whose oldest call came first before the others. */
  countsByWeight(): Map<number, number> {
    const oldestFirst = [...this.byWeight].map(([weight, calls]) => {
      const oldest = calls.values().next().value as WaitingCall;
      return { weight, count: calls.size, seq: (this.calls.get(oldest) as Place).seq };
    });
    oldestFirst.sort((a, b) => a.seq - b.seq);
    return new Map(oldestFirst.map(({ weight, count }) => [weight, count]));
  }

  get size(): number {
    return this.calls.size;
  }

  /** Rejects and removes every waiting call. */
  failAll(error: Error): void {
    const failed = [...this.calls.keys()];
    for (const call of failed) this.remove(call);
    for (const call of failed) call.fail(error);
    if (failed.length > 0) this.onChange();
  }

  /** `signal` aborted: its calls leave the queue, each rejected with its reason, oldest first. */
  private abortAll(signal: AbortSignal): void {
    const watch = this.bySignal.get(signal);
    if (!watch) return;
    this.bySignal.delete(signal);
    for (const call of watch.calls) {
      if (!this.calls.has(call)) continue;
      this.remove(call);
      call.fail(abortReason(signal));
      this.onChange();
    }
  }

  /** Takes `call` out of the queue, and its signal's listener off when no other call waits on it. */
  private remove(call: WaitingCall): void {
    const place = this.calls.get(call);
    if (!place) return;
    this.calls.delete(call);
    const sameWeight = this.byWeight.get(call.weight);
    sameWeight?.delete(call);
    if (sameWeight?.size === 0) this.byWeight.delete(call.weight);
    const { signal } = place;
    const watch = signal ? this.bySignal.get(signal) : undefined;
    if (!signal || !watch) return;
    watch.calls.delete(call);
    if (watch.calls.size > 0) return;
    this.bySignal.delete(signal);
    signal.removeEventListener('abort', watch.onAbort);
  }
}
