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

/** Which bucket ran dry: the remote peer's or its address's. */
export type LimitScope = 'peer' | 'address'

/**
 * One kind of request limited twice: per remote PeerId, and per remote address across all the
 * PeerIds it uses (throwaway PeerIds, as sealed sender deposits use, buy a fresh peer bucket
 * each but share their host's). The peer bucket is asked first, so a peer refused by its own
 * bucket does not also drain its neighbours' shared one.
 *
 * @example
 * ```ts
 * const deposits = new PeerAndAddressLimiter({ perSecond: 50, burst: 200 }, { perSecond: 500, burst: 2000 })
 * const scope = deposits.take(peerId.toString(), '203.0.113.7')
 * if (scope != null) throw new RateLimitedError(`Deposit rate limit exceeded for this ${scope}`)
 * ```
 */
export class PeerAndAddressLimiter {
  private readonly perPeer: RateLimiter
  private readonly perAddress: RateLimiter | undefined

  constructor (perPeer: RateLimit, perAddress: RateLimit | null, maxKeys = 50_000, now: () => number = Date.now) {
    this.perPeer = new RateLimiter(perPeer, maxKeys, now)
    this.perAddress = perAddress == null ? undefined : new RateLimiter(perAddress, maxKeys, now)
  }

  /** Takes one token for `peer` and one for `address` (when known); names the scope that refused, or undefined. */
  take (peer: string, address: string | undefined): LimitScope | undefined {
    if (!this.perPeer.take(peer)) return 'peer'
    if (address != null && this.perAddress != null && !this.perAddress.take(address)) return 'address'
    return undefined
  }
}
