import { toHex } from '../bytes.js'
import { ErrorCode, ParleyError } from '../errors.js'
import { SEALED_FEEDBACK_BYTES } from '../identity/channel/channel-feedback.js'
import {
  DEFAULT_FEEDBACK_ADDRESS_RATE, DEFAULT_FEEDBACK_CHANNELS, DEFAULT_FEEDBACK_HELD_PER_ADDRESS, DEFAULT_FEEDBACK_HELD_PER_PEER,
  DEFAULT_FEEDBACK_PEER_RATE, DEFAULT_FEEDBACK_PER_CHANNEL, DEFAULT_FEEDBACK_RETENTION_MS, MAX_FEEDBACK_COLLECT
} from './constants.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'

export interface FeedbackInboxLimits {
  perChannel: number
  channels: number
  retentionMs: number
  peerRate: RateLimit
  addressRate: RateLimit
  heldPerPeer: number
  heldPerAddress: number
}

export const DEFAULT_FEEDBACK_LIMITS: FeedbackInboxLimits = {
  perChannel: DEFAULT_FEEDBACK_PER_CHANNEL,
  channels: DEFAULT_FEEDBACK_CHANNELS,
  retentionMs: DEFAULT_FEEDBACK_RETENTION_MS,
  peerRate: DEFAULT_FEEDBACK_PEER_RATE,
  addressRate: DEFAULT_FEEDBACK_ADDRESS_RATE,
  heldPerPeer: DEFAULT_FEEDBACK_HELD_PER_PEER,
  heldPerAddress: DEFAULT_FEEDBACK_HELD_PER_ADDRESS
}

/** Who deposits: its PeerId and its remote address key (absent: exempt from the address bounds). */
export interface FeedbackDepositor {
  peer: string
  address?: string
}

interface Item {
  cursor: number
  at: number
  sealed: Uint8Array
  peer: string
  address?: string
}

interface Box {
  items: Item[]
  /** Items held per depositing peer and per address. */
  peers: Map<string, number>
  addresses: Map<string, number>
}

/**
 * Sealed reader feedback (reactions, views) a relay holds for channel owners to collect
 * (PROTOCOL.md §13.5). The relay cannot open it: each item is a fixed-size box sealed to the
 * channel key. In memory, bounded: per channel (oldest dropped first), channels in total, a
 * retention, and per depositing peer and per remote address both a rate and a number held per
 * channel, so that a flood from throwaway PeerIds cannot push other readers' feedback out.
 * Cursors are the relay's clock in µs (plus a counter), so they still grow after a restart.
 */
export class ChannelFeedbackInbox {
  private readonly boxes = new Map<string, Box>()
  private readonly peerRate: RateLimiter
  private readonly addressRate: RateLimiter
  private lastCursor = 0

  constructor (private readonly limits: FeedbackInboxLimits = DEFAULT_FEEDBACK_LIMITS, private readonly now: () => number = Date.now) {
    this.peerRate = new RateLimiter(limits.peerRate, 50_000, now)
    this.addressRate = new RateLimiter(limits.addressRate, 50_000, now)
  }

  /** Holds one sealed feedback for `channelKey`'s owner. Throws `ERR_MALFORMED_REQUEST`, `ERR_RATE_LIMITED`, `ERR_CHANNEL_HISTORY_FULL`. */
  deposit (channelKey: Uint8Array, sealed: Uint8Array, from: FeedbackDepositor): void {
    if (sealed.length !== SEALED_FEEDBACK_BYTES) throw new ParleyError('Sealed feedback of the wrong size', ErrorCode.MALFORMED_REQUEST)
    const id = toHex(channelKey)
    let box = this.boxes.get(id)
    if (box != null) this.expire(box)
    if (box == null || box.items.length === 0) {
      this.sweep()
      if (this.boxes.size >= this.limits.channels && !this.boxes.has(id)) throw new ParleyError('Feedback inbox full', ErrorCode.CHANNEL_HISTORY_FULL)
      box ??= { items: [], peers: new Map(), addresses: new Map() }
      this.boxes.set(id, box)
    }
    if ((box.peers.get(from.peer) ?? 0) >= this.limits.heldPerPeer) throw new ParleyError('Too much feedback from this peer', ErrorCode.RATE_LIMITED)
    if (from.address != null && (box.addresses.get(from.address) ?? 0) >= this.limits.heldPerAddress) throw new ParleyError('Too much feedback from this address', ErrorCode.RATE_LIMITED)
    if (!this.peerRate.has(from.peer) || (from.address != null && !this.addressRate.has(from.address))) throw new ParleyError('Too much feedback', ErrorCode.RATE_LIMITED)
    this.peerRate.take(from.peer)
    if (from.address != null) this.addressRate.take(from.address)
    const now = this.now()
    this.lastCursor = Math.max(this.lastCursor + 1, now * 1000)
    box.items.push({ cursor: this.lastCursor, at: now, sealed, peer: from.peer, ...(from.address != null ? { address: from.address } : {}) })
    box.peers.set(from.peer, (box.peers.get(from.peer) ?? 0) + 1)
    if (from.address != null) box.addresses.set(from.address, (box.addresses.get(from.address) ?? 0) + 1)
    while (box.items.length > this.limits.perChannel) this.drop(box)
  }

  /** Sealed feedback after `after`, oldest first, and the cursor to ask after next. */
  collect (channelKey: Uint8Array, after: number, limit = MAX_FEEDBACK_COLLECT): { sealed: Uint8Array[], cursor: number } {
    const box = this.boxes.get(toHex(channelKey))
    if (box == null) return { sealed: [], cursor: after }
    this.expire(box)
    const items = box.items.filter((i) => i.cursor > after).slice(0, Math.max(1, Math.min(limit, MAX_FEEDBACK_COLLECT)))
    return { sealed: items.map((i) => i.sealed), cursor: items.at(-1)?.cursor ?? after }
  }

  /** Sealed feedback held for a channel now (metrics, tests). */
  held (channelKey: Uint8Array): number {
    return this.boxes.get(toHex(channelKey))?.items.length ?? 0
  }

  private expire (box: Box): void {
    const oldest = this.now() - this.limits.retentionMs
    while (box.items.length > 0 && box.items[0].at < oldest) this.drop(box)
  }

  /** Forgets channels whose feedback all expired. */
  private sweep (): void {
    for (const [id, box] of this.boxes) {
      this.expire(box)
      if (box.items.length === 0) this.boxes.delete(id)
    }
  }

  private drop (box: Box): void {
    const item = box.items.shift()
    if (item == null) return
    decrement(box.peers, item.peer)
    if (item.address != null) decrement(box.addresses, item.address)
  }
}

function decrement (counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1
  if (n <= 0) counts.delete(key)
  else counts.set(key, n)
}
