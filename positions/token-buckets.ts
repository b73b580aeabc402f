import { LRUCache } from 'lru-cache';

/** Per-key token buckets: `burst` at once, refilled at `perSecond`. */
export class TokenBuckets {
  private readonly buckets = new LRUCache<number, { tokens: number; at: number }>({ max: 500_000 });

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {}

  take(key: number, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }
}
