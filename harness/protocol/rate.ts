// Token-bucket limit on frames per second; time is passed in, so it is pure.

export class RateLimiter {
  private tokens: number;
  private last: number;

  /** `perSecond` sustained, bursts up to `burst` (default one second's worth). */
  constructor(
    private readonly perSecond: number,
    now: number,
    private readonly burst: number = perSecond,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token at time `now` (ms); false when the rate is exceeded. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
