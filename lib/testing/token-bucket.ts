import type { Clock } from '../core/engine/types.js';

/** A token bucket driven by an injected clock: `burst` tokens at most, refilled at `tokensPerSecond`. */
export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly tokensPerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.refilledAtMs = clock.now();
  }

  /** Takes one token if there is one; returns false when the caller is over the limit. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one whole token is available (0 when one is available now). */
  msUntilNextToken(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    if (this.tokensPerSecond <= 0) return Number.POSITIVE_INFINITY;
    return Math.ceil(((1 - this.tokens) / this.tokensPerSecond) * 1000);
  }

  /** Whole tokens left right now. */
  remaining(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  private refill(): void {
    const nowMs = this.clock.now();
    // A clock that moved backwards must not mint negative tokens.
    const elapsedMs = Math.max(0, nowMs - this.refilledAtMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.tokensPerSecond);
    this.refilledAtMs = nowMs;
  }
}
