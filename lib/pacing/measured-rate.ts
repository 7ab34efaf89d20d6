/**
 * The rate this process actually sends at, smoothed over half-second buckets exactly as AWS
 * adaptive retry mode measures it (its `measured_tx_rate`).
 */
export class MeasuredRate {
  private static readonly BUCKET_SEC = 0.5;
  private static readonly SMOOTHING = 0.8;
  private count = 0;
  private bucketStartSec: number | undefined;
  private smoothedPerSec = 0;

  /** Counts one request answered at `nowMs`. */
  record(nowMs: number): void {
    const bucketSec = Math.floor((nowMs / 1000) * 2) / 2;
    this.count += 1;
    if (this.bucketStartSec === undefined) {
      this.bucketStartSec = bucketSec;
      return;
    }
    if (bucketSec > this.bucketStartSec) {
      const current = this.count / (bucketSec - this.bucketStartSec);
      this.smoothedPerSec =
        current * MeasuredRate.SMOOTHING + this.smoothedPerSec * (1 - MeasuredRate.SMOOTHING);
      this.count = 0;
      this.bucketStartSec = bucketSec;
    }
  }

  /** Requests per second; 0 until one bucket has completed. */
  perSec(): number {
    return this.smoothedPerSec;
  }

  /** The bucket width, exposed for tests that step time across buckets. */
  static get bucketMs(): number {
    return MeasuredRate.BUCKET_SEC * 1000;
  }
}

/** Events in the last `windowMs` (a queue of their times, trimmed as it is read or added to). */
export class RecentCount {
  private readonly times: number[] = [];
  private head = 0;

  constructor(private readonly windowMs: number) {}

  add(nowMs: number): void {
    this.trim(nowMs);
    this.times.push(nowMs);
  }

  /** Events in the window ending now, per second of window. */
  perSecond(nowMs: number): number {
    this.trim(nowMs);
    return ((this.times.length - this.head) * 1000) / this.windowMs;
  }

  private trim(nowMs: number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) <= nowMs - this.windowMs)
      this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
}
