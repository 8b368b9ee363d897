import type { AbortOptions } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import { ErrorCode, ParleyError } from '../errors.js'
import { SEALED_FEEDBACK_BYTES, feedbackFingerprint } from '../identity/channel/channel-feedback.js'
import type { FeedbackPage } from './channel-history.js'
import {
  DEFAULT_FEEDBACK_ADDRESS_RATE, DEFAULT_FEEDBACK_CHANNELS, DEFAULT_FEEDBACK_HELD_PER_ADDRESS, DEFAULT_FEEDBACK_HELD_PER_PEER,
  DEFAULT_FEEDBACK_HELD_PER_SYNC_PEER, DEFAULT_FEEDBACK_PEER_RATE, DEFAULT_FEEDBACK_PER_CHANNEL, DEFAULT_FEEDBACK_RETENTION_MS, MAX_FEEDBACK_COLLECT
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
  /** Boxes taken by reconciliation from one other relay, per channel (they never push older boxes out). */
  heldPerSyncPeer: number
}

export const DEFAULT_FEEDBACK_LIMITS: FeedbackInboxLimits = {
  perChannel: DEFAULT_FEEDBACK_PER_CHANNEL,
  channels: DEFAULT_FEEDBACK_CHANNELS,
  retentionMs: DEFAULT_FEEDBACK_RETENTION_MS,
  peerRate: DEFAULT_FEEDBACK_PEER_RATE,
  addressRate: DEFAULT_FEEDBACK_ADDRESS_RATE,
  heldPerPeer: DEFAULT_FEEDBACK_HELD_PER_PEER,
  heldPerAddress: DEFAULT_FEEDBACK_HELD_PER_ADDRESS,
  heldPerSyncPeer: DEFAULT_FEEDBACK_HELD_PER_SYNC_PEER
}

/**
 * Who deposits: its PeerId and its remote address key (absent: exempt from the address bounds);
 * `synced` when the box came by reconciliation from another relay (`peer`), not from a reader.
 */
export interface FeedbackDepositor {
  peer: string
  address?: string
  synced?: boolean
}

/**
 * Where a relay holds sealed reader feedback for channel owners (PROTOCOL.md §13.7): in this
 * process ({@link ChannelFeedbackInbox}, optionally written through to the relay's LevelDB) or in
 * a fleet's PostgreSQL (`relay/pg-store/channel-feedback.ts`). Both bound what they hold alike and
 * hold a box (by its bytes) once, however often it is deposited or reconciled.
 */
export interface FeedbackInbox {
  /**
   * Holds one sealed feedback for `channelKey`'s owner; false when these bytes are held already.
   * Throws `ERR_MALFORMED_REQUEST`, `ERR_RATE_LIMITED`, `ERR_CHANNEL_HISTORY_FULL`.
   */
  deposit: (channelKey: Uint8Array, sealed: Uint8Array, from: FeedbackDepositor, options?: AbortOptions) => Promise<boolean>
  /** Sealed feedback after `after`, oldest first, and the cursor to ask after next. */
  collect: (channelKey: Uint8Array, after: number, limit?: number, options?: AbortOptions) => Promise<FeedbackPage>
  /** Sealed feedback held for a channel now (metrics, tests). */
  held: (channelKey: Uint8Array, options?: AbortOptions) => Promise<number>
  /** Drops what is past retention, for every channel. */
  sweep: (options?: AbortOptions) => Promise<void>
}

/** One box held, as a {@link FeedbackLog} writes it. */
export interface HeldFeedback {
  cursor: number
  at: number
  sealed: Uint8Array
  peer: string
  address?: string
  synced?: boolean
}

/** Where {@link ChannelFeedbackInbox} writes its boxes through to, so they outlive a restart. */
export interface FeedbackLog {
  /** Every box written and not deleted, by channel key (hex), each channel's in cursor order. */
  load: (options?: AbortOptions) => AsyncIterable<{ channel: string, item: HeldFeedback }>
  /** Writes one new box and deletes dropped ones, in one batch. */
  write: (channel: string, put: HeldFeedback | undefined, dropped: number[], options?: AbortOptions) => Promise<void>
}

/** Checks a deposit's size and the depositor's rates (readers only: reconciliation is pulled by the relay itself). */
export class FeedbackRates {
  private readonly peerRate: RateLimiter
  private readonly addressRate: RateLimiter

  constructor (limits: Pick<FeedbackInboxLimits, 'peerRate' | 'addressRate'>, now: () => number = Date.now) {
    this.peerRate = new RateLimiter(limits.peerRate, 50_000, now)
    this.addressRate = new RateLimiter(limits.addressRate, 50_000, now)
  }

  /** Throws `ERR_MALFORMED_REQUEST` or `ERR_RATE_LIMITED`; otherwise takes one token from the peer and its address. */
  take (sealed: Uint8Array, from: FeedbackDepositor): void {
    if (sealed.length !== SEALED_FEEDBACK_BYTES) throw new ParleyError('Sealed feedback of the wrong size', ErrorCode.MALFORMED_REQUEST)
    if (from.synced === true) return
    if (!this.peerRate.has(from.peer) || (from.address != null && !this.addressRate.has(from.address))) throw new ParleyError('Too much feedback', ErrorCode.RATE_LIMITED)
    this.peerRate.take(from.peer)
    if (from.address != null) this.addressRate.take(from.address)
  }
}

interface Item extends HeldFeedback {
  fingerprint: string
}

interface Box {
  items: Item[]
  fingerprints: Set<string>
  /** Items held per depositing peer and per address. */
  peers: Map<string, number>
  addresses: Map<string, number>
}

/**
 * Sealed reader feedback (reactions, views) a relay holds for channel owners to collect
 * (PROTOCOL.md §13.7). The relay cannot open it: each item is a fixed-size box sealed to the
 * channel key. Bounded: per channel (oldest dropped first), channels in total, a retention, and
 * per depositing peer and per remote address both a rate and a number held per channel, so that
 * a flood from throwaway PeerIds cannot push other readers' feedback out; boxes reconciled from
 * another relay are bounded per that relay and taken only while the channel has room. Held in
 * memory and, given a {@link FeedbackLog}, written through to disk and loaded again at start.
 * Cursors are the relay's clock in µs (plus a counter), so they still grow after a restart.
 */
export class ChannelFeedbackInbox implements FeedbackInbox {
  private readonly boxes = new Map<string, Box>()
  private readonly rates: FeedbackRates
  private lastCursor = 0

  constructor (private readonly limits: FeedbackInboxLimits = DEFAULT_FEEDBACK_LIMITS, private readonly now: () => number = Date.now, private readonly log?: FeedbackLog) {
    this.rates = new FeedbackRates(limits, now)
  }

  /** An inbox holding what `log` kept (boxes past retention are dropped from it on the way). */
  static async open (limits: FeedbackInboxLimits, log: FeedbackLog, now: () => number = Date.now, options: AbortOptions = {}): Promise<ChannelFeedbackInbox> {
    const inbox = new ChannelFeedbackInbox(limits, now, log)
    for await (const { channel, item } of log.load(options)) inbox.restore(channel, item)
    await inbox.sweep(options)
    return inbox
  }

  async deposit (channelKey: Uint8Array, sealed: Uint8Array, from: FeedbackDepositor, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const id = toHex(channelKey)
    const dropped = new Map<string, number[]>()
    let admitted: { box: Box, item?: Item } | undefined
    let refusal: unknown
    try {
      admitted = this.admit(id, sealed, from, dropped)
    } catch (err) {
      refusal = err
    }
    const item = admitted?.item
    try {
      await this.persist(id, item, dropped, options)
    } catch (err) {
      // not on disk: not held either (the depositor is told and may try again)
      if (admitted != null && item != null) this.remove(admitted.box, item)
      throw err
    }
    if (refusal !== undefined) throw refusal
    return item != null
  }

  /** Checks a deposit against the bounds and holds it in memory; fills `dropped` with what made room or expired. */
  private admit (id: string, sealed: Uint8Array, from: FeedbackDepositor, dropped: Map<string, number[]>): { box: Box, item?: Item } {
    if (sealed.length !== SEALED_FEEDBACK_BYTES) throw new ParleyError('Sealed feedback of the wrong size', ErrorCode.MALFORMED_REQUEST)
    let box = this.boxes.get(id)
    if (box != null) this.expire(id, box, dropped)
    if (box == null || box.items.length === 0) {
      this.expireAll(dropped)
      if (this.boxes.size >= this.limits.channels && !this.boxes.has(id)) throw new ParleyError('Feedback inbox full', ErrorCode.CHANNEL_HISTORY_FULL)
      box ??= { items: [], fingerprints: new Set(), peers: new Map(), addresses: new Map() }
      this.boxes.set(id, box)
    }
    const synced = from.synced === true
    // a box held already changes nothing (reconciliation brings boxes again after a restart)
    const fingerprint = feedbackFingerprint(sealed)
    if (box.fingerprints.has(fingerprint)) return { box }
    if ((box.peers.get(from.peer) ?? 0) >= (synced ? this.limits.heldPerSyncPeer : this.limits.heldPerPeer)) throw new ParleyError('Too much feedback from this peer', ErrorCode.RATE_LIMITED)
    if (!synced && from.address != null && (box.addresses.get(from.address) ?? 0) >= this.limits.heldPerAddress) throw new ParleyError('Too much feedback from this address', ErrorCode.RATE_LIMITED)
    this.rates.take(sealed, from)
    // reconciled boxes fill free room only: they never push a reader's box out
    if (synced && box.items.length >= this.limits.perChannel) throw new ParleyError('Feedback inbox of this channel is full', ErrorCode.CHANNEL_HISTORY_FULL)
    const now = this.now()
    this.lastCursor = Math.max(this.lastCursor + 1, now * 1000)
    const item: Item = { cursor: this.lastCursor, at: now, sealed, peer: from.peer, fingerprint, ...(from.address != null ? { address: from.address } : {}), ...(synced ? { synced } : {}) }
    this.add(box, item)
    while (box.items.length > this.limits.perChannel) this.drop(id, box, dropped)
    return { box, item }
  }

  /** Writes a new box and the dropped ones through to the log (one batch per channel). */
  private async persist (id: string, item: Item | undefined, dropped: Map<string, number[]>, options: AbortOptions): Promise<void> {
    if (this.log == null) return
    if (item != null || dropped.has(id)) await this.log.write(id, item != null ? strip(item) : undefined, dropped.get(id) ?? [], options)
    for (const [other, cursors] of dropped) if (other !== id) await this.log.write(other, undefined, cursors, options)
  }

  async collect (channelKey: Uint8Array, after: number, limit = MAX_FEEDBACK_COLLECT, options: AbortOptions = {}): Promise<FeedbackPage> {
    options.signal?.throwIfAborted()
    const id = toHex(channelKey)
    const box = this.boxes.get(id)
    if (box == null) return { sealed: [], cursor: after }
    const dropped = new Map<string, number[]>()
    this.expire(id, box, dropped)
    await this.persist(id, undefined, dropped, options)
    const items = box.items.filter((i) => i.cursor > after).slice(0, Math.max(1, Math.min(limit, MAX_FEEDBACK_COLLECT)))
    return { sealed: items.map((i) => i.sealed), cursor: items.at(-1)?.cursor ?? after }
  }

  async held (channelKey: Uint8Array): Promise<number> {
    return this.boxes.get(toHex(channelKey))?.items.length ?? 0
  }

  async sweep (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const dropped = new Map<string, number[]>()
    this.expireAll(dropped)
    for (const [id, cursors] of dropped) await this.log?.write(id, undefined, cursors, options)
  }

  private restore (id: string, held: HeldFeedback): void {
    let box = this.boxes.get(id)
    if (box == null) {
      box = { items: [], fingerprints: new Set(), peers: new Map(), addresses: new Map() }
      this.boxes.set(id, box)
    }
    const item: Item = { ...held, fingerprint: feedbackFingerprint(held.sealed) }
    if (box.fingerprints.has(item.fingerprint)) return
    this.add(box, item)
    this.lastCursor = Math.max(this.lastCursor, item.cursor)
  }

  private add (box: Box, item: Item): void {
    box.items.push(item)
    box.fingerprints.add(item.fingerprint)
    box.peers.set(item.peer, (box.peers.get(item.peer) ?? 0) + 1)
    if (item.address != null) box.addresses.set(item.address, (box.addresses.get(item.address) ?? 0) + 1)
  }

  private remove (box: Box, item: Item): void {
    const at = box.items.indexOf(item)
    if (at < 0) return
    box.items.splice(at, 1)
    box.fingerprints.delete(item.fingerprint)
    decrement(box.peers, item.peer)
    if (item.address != null) decrement(box.addresses, item.address)
  }

  /** Drops the box's items past retention into `dropped`. */
  private expire (id: string, box: Box, dropped: Map<string, number[]>): void {
    const oldest = this.now() - this.limits.retentionMs
    while (box.items.length > 0 && box.items[0].at < oldest) this.drop(id, box, dropped)
  }

  /** Expires every channel; forgets channels whose feedback all expired. */
  private expireAll (dropped: Map<string, number[]>): void {
    for (const [id, box] of this.boxes) {
      this.expire(id, box, dropped)
      if (box.items.length === 0) this.boxes.delete(id)
    }
  }

  private drop (id: string, box: Box, dropped: Map<string, number[]>): void {
    const item = box.items[0]
    if (item == null) return
    this.remove(box, item)
    const list = dropped.get(id) ?? []
    list.push(item.cursor)
    dropped.set(id, list)
  }
}

function strip (item: Item): HeldFeedback {
  const { fingerprint: _f, ...held } = item
  return held
}

function decrement (counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1
  if (n <= 0) counts.delete(key)
  else counts.set(key, n)
}
