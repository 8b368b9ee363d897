import { createHmac, getRandomValues } from 'node:crypto'
import { NETWORK_LIMIT_FACTOR, RateLimiter, type RateLimit } from '../net/rate-limiter.js'
import type { AddressKeys } from '../net/remote-address.js'

/** Which share ran out: the depositor's address (IPv4, IPv6 /64) or its IPv6 /48. */
export type ShareScope = 'address' | 'network'

/** Counters per share table; an address (or /48) hashes, with a per-process key, into one. */
export const SHARE_BUCKETS = 65_536

const BUCKET = 2 ** 16
const HAS_NETWORK = 2 ** 32
const EPOCH = 2 ** 33

/**
 * The relay's stored bytes split by the network address that deposited them, so that one host
 * (with as many throwaway PeerIds as it likes) cannot hold more than its share of the storage
 * cap. Each envelope is stored with a small depositor tag ({@link tagOf}: this process's epoch
 * and two bucket numbers, never the address) and counted against fixed tables of
 * {@link SHARE_BUCKETS} counters, one per hashed address and one per hashed IPv6 /48: memory is
 * fixed (1 MiB), removal decrements exactly, and the hash key is random per process, so no one
 * can aim a collision at someone else's bucket.
 *
 * Counting is per process lifetime: envelopes stored before a restart carry another epoch and
 * count against no share (they are not decremented either).
 *
 * @example
 * ```ts
 * const shares = new StoredByteShares(160 * 2 ** 20)
 * const tag = shares.tagOf(addressKeys(connection.remoteAddr, exempt))
 * if (shares.refusal(tag, envelope.length) == null) shares.add(tag, envelope.length)
 * // …when the envelope is deleted:
 * shares.remove(tag, envelope.length)
 * ```
 */
export class StoredByteShares {
  private readonly epoch: number
  private readonly key: Uint8Array
  private readonly byAddress = new Float64Array(SHARE_BUCKETS)
  private readonly byNetwork = new Float64Array(SHARE_BUCKETS)

  constructor (readonly perAddress: number, readonly perNetwork = perAddress * NETWORK_LIMIT_FACTOR, tagging?: { epoch: number, key: Uint8Array }) {
    let epoch = tagging?.epoch ?? 0
    while (epoch === 0) epoch = getRandomValues(new Uint16Array(1))[0]
    this.epoch = epoch
    this.key = tagging?.key ?? getRandomValues(new Uint8Array(32))
  }

  /**
   * Shares of something else (owned mailboxes, say) counted under the same tags: a depositor tag
   * from {@link tagOf} counts in both, so one tag per connection serves every share.
   */
  sibling (perAddress: number, perNetwork = perAddress * NETWORK_LIMIT_FACTOR): StoredByteShares {
    return new StoredByteShares(perAddress, perNetwork, { epoch: this.epoch, key: this.key })
  }

  /** The tag of a depositor's address keys; 0 (counted nowhere) for an exempt address. */
  tagOf (keys: AddressKeys | undefined): number {
    if (keys == null) return 0
    const address = this.bucketOf(keys.address)
    const network = keys.network == null ? 0 : HAS_NETWORK + this.bucketOf(keys.network)
    return this.epoch * EPOCH + network + address * BUCKET
  }

  /** Which share `size` more bytes from `tag` would exceed, or undefined when they fit. */
  refusal (tag: number, size: number): ShareScope | undefined {
    const at = this.decode(tag)
    if (at == null) return undefined
    if (this.byAddress[at.address] + size > this.perAddress) return 'address'
    if (at.network != null && this.byNetwork[at.network] + size > this.perNetwork) return 'network'
    return undefined
  }

  add (tag: number, size: number): void {
    this.move(tag, size)
  }

  /** Releases an envelope's bytes; a tag from another process (before a restart) is ignored. */
  remove (tag: number, size: number): void {
    this.move(tag, -size)
  }

  /** Bytes held under `tag`'s address share (tests, diagnostics). */
  heldBy (tag: number): number {
    const at = this.decode(tag)
    return at == null ? 0 : this.byAddress[at.address]
  }

  private move (tag: number, delta: number): void {
    const at = this.decode(tag)
    if (at == null) return
    this.byAddress[at.address] = Math.max(0, this.byAddress[at.address] + delta)
    if (at.network != null) this.byNetwork[at.network] = Math.max(0, this.byNetwork[at.network] + delta)
  }

  private decode (tag: number): { address: number, network: number | undefined } | undefined {
    return decodeShareTag(tag, this.epoch)
  }

  private bucketOf (key: string): number {
    return createHmac('sha256', this.key).update(key).digest().readUInt16BE(0)
  }
}

/**
 * The address and IPv6 /48 buckets of a tag made by a {@link StoredByteShares} of `epoch`;
 * undefined for 0 (exempt) and for another epoch's tags.
 */
export function decodeShareTag (tag: number, epoch: number): { address: number, network: number | undefined } | undefined {
  if (tag <= 0 || Math.floor(tag / EPOCH) !== epoch) return undefined
  const low = tag % EPOCH
  return { address: Math.floor(low % HAS_NETWORK / BUCKET), network: low >= HAS_NETWORK ? low % BUCKET : undefined }
}

/**
 * Deposited bytes per second per remote address (and, at {@link NETWORK_LIMIT_FACTOR} ×, per
 * IPv6 /48): the request buckets count deposits whatever their size. An envelope larger than
 * the burst costs the whole burst (it is never refused for its size alone). A refusal drains
 * neither bucket.
 *
 * @example
 * ```ts
 * const bytes = new AddressByteRate({ perSecond: 2 * 2 ** 20, burst: 64 * 2 ** 20 })
 * if (bytes.take(addressKeys(connection.remoteAddr), envelope.length) != null) throw new RateLimitedError()
 * ```
 */
export class AddressByteRate {
  private readonly perAddress: RateLimiter
  private readonly perNetwork: RateLimiter

  constructor (private readonly limit: RateLimit, maxKeys = 50_000, now: () => number = Date.now) {
    this.perAddress = new RateLimiter(limit, maxKeys, now)
    this.perNetwork = new RateLimiter({ perSecond: limit.perSecond * NETWORK_LIMIT_FACTOR, burst: limit.burst * NETWORK_LIMIT_FACTOR }, maxKeys, now)
  }

  /** Takes `bytes` from the address's (and /48's) bucket if both hold them; else names the one that ran dry. */
  take (keys: AddressKeys | undefined, bytes: number): ShareScope | undefined {
    if (keys == null) return undefined
    const cost = Math.min(bytes, this.limit.burst)
    if (!this.perAddress.has(keys.address, cost)) return 'address'
    if (keys.network != null && !this.perNetwork.has(keys.network, cost)) return 'network'
    this.perAddress.take(keys.address, cost)
    if (keys.network != null) this.perNetwork.take(keys.network, cost)
    return undefined
  }
}
