/*
 * Why not `RateLimiter` from @libp2p/utils: that one counts points in fixed windows
 * (rate-limiter-flexible style) with a timer per key and no bound on the keys it holds. The relay
 * needs token buckets (a steady rate plus a burst, fractional rates such as 0.01/s for one-time
 * prekeys), an LRU bound on remembered keys (`RATE_LIMITER_MAX_KEYS`: throwaway PeerIds are
 * free), costs other than 1 (deposited bytes), and an all-or-none take across the peer, address
 * and /48 buckets so that a refusal drains none of them (`has` before `take`).
 */
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

/** One token bucket's state (kept by its owner, e.g. with a mailbox's counters). */
export interface TokenBucket {
  tokens: number
  /** When `tokens` was counted (ms). */
  at: number
}

/**
 * Takes one token from a bucket kept elsewhere (undefined: a full one); returns whether it held
 * one and the bucket's new state (refilled up to now, less the token if taken).
 */
export function takeToken (bucket: TokenBucket | undefined, limit: RateLimit, now: number): { ok: boolean, bucket: TokenBucket } {
  const tokens = bucket == null ? limit.burst : Math.min(limit.burst, bucket.tokens + Math.max(0, now - bucket.at) * limit.perSecond / 1000)
  return tokens >= 1 ? { ok: true, bucket: { tokens: tokens - 1, at: now } } : { ok: false, bucket: { tokens, at: now } }
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

  /** Tokens in `bucket` at `now` (refilled since its last use, up to the burst). */
  private level (bucket: Bucket | undefined, now: number): number {
    return bucket == null ? this.limit.burst : Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * this.limit.perSecond / 1000)
  }

  /** True when `key`'s bucket holds `cost` tokens now (takes none). */
  has (key: string, cost = 1): boolean {
    return this.level(this.buckets.get(key), this.now()) >= cost
  }

  /** Takes one token for `key`; false when its bucket is empty. */
  take (key: string, cost = 1): boolean {
    const now = this.now()
    let bucket = this.buckets.get(key)
    if (bucket == null) {
      bucket = { tokens: this.limit.burst, at: now }
    } else {
      this.buckets.delete(key) // re-insert below: Map order = recency
      bucket.tokens = this.level(bucket, now)
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

/** Which bucket ran dry: the remote peer's, its address's, or (IPv6) its /48's. */
export type LimitScope = 'peer' | 'address' | 'network'

/** How many times the per-address limit an IPv6 /48 gets (it holds 65,536 /64s). */
export const NETWORK_LIMIT_FACTOR = 8

/**
 * One kind of request limited per remote PeerId, per remote address across all the PeerIds it
 * uses (throwaway PeerIds, as sealed sender deposits use, buy a fresh peer bucket each but
 * share their host's), and for IPv6 per /48 at {@link NETWORK_LIMIT_FACTOR} times the address
 * limit (so cycling through the /64s of one allocation does not buy fresh buckets either). A
 * request takes a token from each of its buckets only when all of them have one, so a refusal
 * drains none.
 *
 * @example
 * ```ts
 * const deposits = new PeerAndAddressLimiter({ perSecond: 50, burst: 200 }, { perSecond: 500, burst: 2000 })
 * const scope = deposits.take(peerId.toString(), addressKeys(connection.remoteAddr))
 * if (scope != null) throw new RateLimitedError(`Deposit rate limit exceeded for this ${scope}`)
 * ```
 */
export class PeerAndAddressLimiter {
  private readonly perPeer: RateLimiter
  private readonly perAddress: RateLimiter | undefined
  private readonly perNetwork: RateLimiter | undefined

  constructor (perPeer: RateLimit, perAddress: RateLimit | null, maxKeys = 50_000, now: () => number = Date.now) {
    this.perPeer = new RateLimiter(perPeer, maxKeys, now)
    if (perAddress != null) {
      this.perAddress = new RateLimiter(perAddress, maxKeys, now)
      this.perNetwork = new RateLimiter({ perSecond: perAddress.perSecond * NETWORK_LIMIT_FACTOR, burst: perAddress.burst * NETWORK_LIMIT_FACTOR }, maxKeys, now)
    }
  }

  /** Takes one token from each bucket of `peer` and `keys` if all have one; else names the first that ran dry. */
  take (peer: string, keys: { address: string, network?: string } | undefined): LimitScope | undefined {
    if (!this.perPeer.has(peer)) return 'peer'
    const { perAddress, perNetwork } = this
    if (keys != null && perAddress != null && perNetwork != null) {
      if (!perAddress.has(keys.address)) return 'address'
      if (keys.network != null && !perNetwork.has(keys.network)) return 'network'
      perAddress.take(keys.address)
      if (keys.network != null) perNetwork.take(keys.network)
    }
    this.perPeer.take(peer)
    return undefined
  }
}
