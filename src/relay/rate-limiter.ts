/** Rate and burst of one token bucket. */
export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number
  /** Bucket size: how many requests may arrive at once. */
  burst: number
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * Token buckets keyed by remote peer, with at most `maxKeys` remembered (least recently used
 * forgotten first: a forgotten peer starts with a full bucket, which only errs toward serving).
 *
 * @example
 * ```ts
 * const deposits = new RateLimiter({ perSecond: 50, burst: 200 })
 * if (!deposits.take(peerId.toString())) throw new RateLimitedError()
 * ```
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  constructor (
    private readonly limit: RateLimit,
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take (key: string, cost = 1): boolean {
    const now = this.now()
    let bucket = this.buckets.get(key)
    if (bucket == null) {
      bucket = { tokens: this.limit.burst, at: now }
    } else {
      this.buckets.delete(key) // re-insert below: Map order = recency
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * this.limit.perSecond / 1000)
      bucket.at = now
    }
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
    if (bucket.tokens < cost) return false
    bucket.tokens -= cost
    return true
  }

  get size (): number { return this.buckets.size }
}
