// A deployment's write-throughput cap: real Convex answers HTTP 429 when a
// deployment writes more than about 4 MiB/s (Free/Starter; 8 MiB/s Pro). A
// token bucket of bytes: it holds at most one second's worth, every committed
// write takes its bytes out (it may go into debt), and time pays it back. While
// it is in debt, mutation requests are refused with a Retry-After.

export class WriteThrottle {
  private bytesPerSecond: number | null = null;
  private tokens = 0;
  private lastRefill = 0;

  /** `now` in milliseconds: Date.now by default, so fake timers drive it. */
  constructor(
    bytesPerSecond: number | null = null,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.setRate(bytesPerSecond);
  }

  get rate(): number | null {
    return this.bytesPerSecond;
  }

  /** null turns the cap off; a rate starts with a full bucket. */
  setRate(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && !(bytesPerSecond > 0)) {
      throw new Error(`Write throughput must be a positive number of bytes per second, got ${bytesPerSecond}`);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond ?? 0;
    this.lastRefill = this.now();
  }

  /** Bytes a committed mutation wrote. */
  recordWrite(bytes: number): void {
    if (this.bytesPerSecond === null) return;
    this.refill();
    this.tokens -= bytes;
  }

  /** Whole seconds until the bucket is out of debt (at least 1), or null when a write may go ahead. */
  retryAfterSeconds(): number | null {
    if (this.bytesPerSecond === null) return null;
    this.refill();
    return this.tokens < 0 ? Math.max(1, Math.ceil(-this.tokens / this.bytesPerSecond)) : null;
  }

  private refill(): void {
    const now = this.now();
    const rate = this.bytesPerSecond ?? 0;
    this.tokens = Math.min(rate, this.tokens + (Math.max(0, now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
  }
}
