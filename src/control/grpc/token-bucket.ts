/**
 * A token bucket that answers how long to wait instead of refusing: a
 * telemetry stream over its rate is slowed down (its reads pause), not
 * cut off. Pure apart from the injected clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly ratePerSecond: number, readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.last = now();
  }

  /**
   * Takes `n` tokens (n ≤ burst), possibly going into debt, and returns the
   * ms to wait before the work they pay for may start (0: now).
   */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}
