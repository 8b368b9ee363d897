import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { Level } from 'level'
import { toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { ChannelPostInvalidError, channelId, postHash, verifyChannelPost, type VerifiedPost } from '../../identity/channel/index.js'
import { ChannelPost } from '../../wire/channel.js'
import type { ChannelHistoryBackend, HistoryPage, HistoryQuery } from '../../net/channel-history.js'
import { ChannelFeedbackInbox, type FeedbackInbox } from '../../net/channel-feedback-inbox.js'
import { feedbackLimits, type ChannelHistoryConfig } from './config.js'
import { LevelFeedbackLog } from './feedback-log.js'

interface PostEntry {
  hash: Uint8Array
  prev: Uint8Array
  size: number
  receivedAt: number
}

interface ChannelEntry {
  channelKey: Uint8Array
  posts: Map<number, PostEntry>
  bytes: number
  head: number
  /** Posts up to here were dropped (retention, size) or never held: reconciliation starts above. */
  floor: number
}

/** Key of one post: channel id, seq (16 hex digits, so keys sort by seq). */
function postKey (id: string, seq: number): string {
  return `p!${id}!${seq.toString(16).padStart(16, '0')}`
}

/** Stored value: 8 bytes received-at (big-endian ms), 32 bytes channel key, the post. */
function packValue (receivedAt: number, channelKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 32 + bytes.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(receivedAt))
  out.set(channelKey, 8)
  out.set(bytes, 40)
  return out
}

export interface ChannelHistoryStoreInit {
  location: string
  config: ChannelHistoryConfig
  logger: { forComponent: (name: string) => Logger }
  now?: () => number
  /** Called with each post newly kept (the relay republishes nothing; metrics and joins). */
  onStored?: (verified: VerifiedPost) => void
}

/**
 * A relay's channel history on its own LevelDB (never the mailbox database): posts validated
 * like gossip (signature, admins, canonical bytes) and against their neighbours (`prev`), kept
 * per channel under the operator's limits: retention, bytes per channel (oldest dropped first),
 * bytes and channels in total (new posts refused).
 *
 * @example
 * ```ts
 * const history = await ChannelHistoryStore.open({ location: join(dataDir, 'channels'), config, logger })
 * ```
 */
export class ChannelHistoryStore implements ChannelHistoryBackend {
  private readonly channels = new Map<string, ChannelEntry>()
  private totalBytes = 0
  private readonly log: Logger
  private readonly now: () => number
  private readonly keepIds: Set<string> | 'all'
  /** Sealed reader feedback for owners, written through to this database (`f!` keys). */
  feedback: FeedbackInbox = new ChannelFeedbackInbox()

  private constructor (private readonly db: Level<string, Uint8Array>, private readonly init: ChannelHistoryStoreInit) {
    this.log = init.logger.forComponent('parley:relay:channel-history')
    this.now = init.now ?? Date.now
    this.keepIds = init.config.keep === 'all' ? 'all' : new Set(init.config.keep)
  }

  static async open (init: ChannelHistoryStoreInit): Promise<ChannelHistoryStore> {
    const db = new Level<string, Uint8Array>(init.location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const store = new ChannelHistoryStore(db, init)
    await store.load()
    store.feedback = await ChannelFeedbackInbox.open(feedbackLimits(init.config), new LevelFeedbackLog(db, store.log), store.now)
    return store
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  /** Whether the operator keeps this channel. */
  keeps (channelKey: Uint8Array): boolean {
    return this.keepIds === 'all' || this.keepIds.has(channelId(channelKey))
  }

  /** Channels held now (their keys). */
  channelKeys (): Uint8Array[] {
    return [...this.channels.values()].map((c) => c.channelKey)
  }

  /** Bytes of posts held (all channels, or one). */
  bytes (channelKey?: Uint8Array): number {
    return channelKey == null ? this.totalBytes : (this.channels.get(channelId(channelKey))?.bytes ?? 0)
  }

  /** Channels and bytes held (the gauges). */
  gauges (): { channels: number, bytes: number } {
    return { channels: this.channels.size, bytes: this.totalBytes }
  }

  /** The newest post held without a gap before it (the chain head gossip validates against). */
  contiguousHead (channelKey: Uint8Array): { seq: number, hash?: Uint8Array } {
    const seq = this.firstGap(channelKey) - 1
    const hash = this.channels.get(channelId(channelKey))?.posts.get(seq)?.hash
    return hash != null ? { seq, hash } : { seq: 0 }
  }

  /** The lowest seq missing below the head (for reconciliation), or head + 1 when none is. */
  firstGap (channelKey: Uint8Array): number {
    const entry = this.channels.get(channelId(channelKey))
    if (entry == null) return 1
    const seqs = [...entry.posts.keys()].filter((s) => s > entry.floor).sort((a, b) => a - b)
    let expected = entry.floor + 1
    for (const seq of seqs) {
      if (seq !== expected) return expected
      expected = seq + 1
    }
    return expected
  }

  async query (channelKey: Uint8Array, query: HistoryQuery, options: AbortOptions = {}): Promise<HistoryPage> {
    options.signal?.throwIfAborted()
    const id = channelId(channelKey)
    const entry = this.channels.get(id)
    if (entry == null) {
      if (!this.keeps(channelKey)) throw new ParleyError('This relay does not keep that channel', ErrorCode.CHANNEL_NOT_KEPT)
      return { posts: [], head: 0 }
    }
    const seqs = [...entry.posts.keys()].filter((s) => s > query.after).sort((a, b) => a - b)
    const chosen = query.latest === true ? seqs.slice(-query.limit) : seqs.slice(0, query.limit)
    const posts: Uint8Array[] = []
    for (const seq of chosen) {
      const value = await this.db.get(postKey(id, seq))
      if (value != null) posts.push(value.subarray(40))
    }
    return { posts, head: entry.head }
  }

  async store (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId | undefined, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    if (!this.keeps(channelKey)) throw new ParleyError('This relay does not keep that channel', ErrorCode.CHANNEL_NOT_KEPT)
    let stored = 0
    let firstError: ParleyError | undefined
    for (const bytes of posts) {
      try {
        if (await this.storeOne(channelKey, verifyChannelPost(bytes, channelKey))) stored++
      } catch (err) {
        if (!(err instanceof ParleyError)) throw err
        firstError ??= err
        this.log.trace('refused a post from %s - %s', from?.toString() ?? 'gossip', err.code)
      }
    }
    // a batch that was all refused tells the sender why; a partial one stores what it could
    if (stored === 0 && firstError != null && !(firstError.code === ErrorCode.CHANNEL_CONFLICT && posts.length > 1)) throw firstError
    return stored
  }

  /** Keeps one verified post; false when it was already here. */
  async storeOne (channelKey: Uint8Array, verified: VerifiedPost): Promise<boolean> {
    const id = channelId(channelKey)
    const seq = Number(verified.post.seq)
    let entry = this.channels.get(id)
    const existing = entry?.posts.get(seq)
    if (existing != null) {
      if (toHex(existing.hash) === toHex(verified.hash)) return false
      throw new ParleyError(`Another post ${seq} is kept for this channel`, ErrorCode.CHANNEL_CONFLICT)
    }
    const before = entry?.posts.get(seq - 1)
    if (before != null && toHex(before.hash) !== toHex(verified.post.prev)) throw new ChannelPostInvalidError('bad-prev', 'Post does not follow the one before it')
    const after = entry?.posts.get(seq + 1)
    if (after != null && toHex(after.prev) !== toHex(verified.hash)) throw new ChannelPostInvalidError('bad-prev', 'Post is not the one the next post names')
    const size = verified.bytes.length
    if (entry == null) {
      if (this.channels.size >= this.init.config.maxChannels) throw new ParleyError('Relay keeps no more channels', ErrorCode.CHANNEL_HISTORY_FULL)
      entry = { channelKey, posts: new Map(), bytes: 0, head: 0, floor: 0 }
      this.channels.set(id, entry)
    }
    await this.prune(entry, size)
    if (this.totalBytes + size > this.init.config.maxBytes) throw new ParleyError('Relay channel history is full', ErrorCode.CHANNEL_HISTORY_FULL)
    const receivedAt = this.now()
    await this.db.put(postKey(id, seq), packValue(receivedAt, channelKey, verified.bytes))
    entry.posts.set(seq, { hash: verified.hash, prev: verified.post.prev, size, receivedAt })
    entry.bytes += size
    entry.head = Math.max(entry.head, seq)
    this.totalBytes += size
    this.init.onStored?.(verified)
    return true
  }

  /** Drops posts past retention, and this channel's oldest until `incoming` more bytes fit its share. */
  private async prune (entry: ChannelEntry, incoming: number): Promise<void> {
    const id = channelId(entry.channelKey)
    const cutoff = this.now() - this.init.config.retention
    const seqs = [...entry.posts.keys()].sort((a, b) => a - b)
    const drop: number[] = []
    let bytes = entry.bytes
    for (const seq of seqs) {
      const post = entry.posts.get(seq) as PostEntry
      if (post.receivedAt >= cutoff && bytes + incoming <= this.init.config.maxBytesPerChannel) break
      drop.push(seq)
      bytes -= post.size
    }
    if (drop.length === 0) return
    await this.db.batch(drop.map((seq) => ({ type: 'del' as const, key: postKey(id, seq) })))
    for (const seq of drop) {
      const post = entry.posts.get(seq) as PostEntry
      entry.posts.delete(seq)
      entry.floor = Math.max(entry.floor, seq)
      entry.bytes -= post.size
      this.totalBytes -= post.size
    }
  }

  /** Retention for every channel (the relay's sweep). */
  async sweep (options: AbortOptions = {}): Promise<void> {
    for (const entry of this.channels.values()) {
      options.signal?.throwIfAborted()
      await this.prune(entry, 0)
    }
    await this.feedback.sweep(options)
  }

  private async load (): Promise<void> {
    for await (const [key, value] of this.db.iterator({ gte: 'p!', lt: 'p"' })) {
      const [, id, seqHex] = key.split('!')
      const channelKey = value.slice(8, 40)
      const bytes = value.subarray(40)
      // its own writes: decoded for the index, not verified again (a signature check per post would make opening slow)
      let prev: Uint8Array
      try {
        prev = ChannelPost.decode(bytes).prev
      } catch (err) {
        this.log.error('dropping an unreadable kept post %s - %e', key, err)
        await this.db.del(key)
        continue
      }
      let entry = this.channels.get(id)
      if (entry == null) {
        // after a restart, what lies below the oldest post kept is taken as dropped
        entry = { channelKey, posts: new Map(), bytes: 0, head: 0, floor: Number.parseInt(seqHex, 16) - 1 }
        this.channels.set(id, entry)
      }
      const seq = Number.parseInt(seqHex, 16)
      const receivedAt = Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0))
      entry.posts.set(seq, { hash: postHash(bytes), prev, size: bytes.length, receivedAt })
      entry.bytes += bytes.length
      entry.head = Math.max(entry.head, seq)
      this.totalBytes += bytes.length
    }
  }
}
