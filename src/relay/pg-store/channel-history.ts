import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { ChannelPostInvalidError, channelId, verifyChannelPost, type VerifiedPost } from '../../identity/channel/index.js'
import type { HistoryPage, HistoryQuery } from '../../net/channel-history.js'
import { MAX_CHANNEL_QUERY_POSTS } from '../../net/constants.js'
import { feedbackLimits, type ChannelHistoryConfig } from '../channel-history/config.js'
import { PgFeedbackInbox } from './channel-feedback.js'
import type { ChannelHistoryStorage } from '../channel-history/storage.js'
import type { DbRunner, Sql } from './db.js'

/** How often the gauges' channel count and bytes are read back from the database (ms). */
export const CHANNEL_TOTALS_REFRESH_MS = 5000

export interface PgChannelHistoryInit {
  db: DbRunner
  config: ChannelHistoryConfig
  log: Logger
  now?: () => number
  /** Called with each post newly kept by this process. */
  onStored?: (verified: VerifiedPost) => void
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** What a store decided inside its transaction: a refusal is thrown after the commit (so that a prune it made stays). */
type Outcome = { stored: boolean } | { refusal: ParleyError }

/**
 * A fleet's channel history in its PostgreSQL (the `channels`, `channel_posts` and
 * `channel_totals` tables of schema 2), so that every member answers the same cursor queries:
 * a post kept through one member is served by all. Posts are validated like the LevelDB store's
 * (signature and admins by the caller, `prev` against the neighbours here) and kept under the
 * operator's limits, exactly across the fleet: a store locks the fleet's totals row, then the
 * channel's row, so `maxChannels`, `maxBytes` and `maxBytesPerChannel` hold whichever member
 * writes. Retention and a channel's byte share drop its oldest posts first, as in LevelDB.
 * Every member should be configured with the same `channels` settings.
 */
export class PgChannelHistory implements ChannelHistoryStorage {
  private readonly keepIds: Set<string> | 'all'
  private readonly now: () => number
  private totals = { channels: 0, bytes: 0 }
  private refresher: ReturnType<typeof setInterval> | undefined
  /** Sealed reader feedback for owners, in the same database (schema 4). */
  readonly feedback: PgFeedbackInbox

  constructor (private readonly init: PgChannelHistoryInit) {
    this.keepIds = init.config.keep === 'all' ? 'all' : new Set(init.config.keep)
    this.now = init.now ?? Date.now
    this.feedback = new PgFeedbackInbox({ db: init.db, limits: feedbackLimits(init.config), log: init.log.newScope('feedback'), now: this.now })
  }

  /** Reads the totals, and keeps reading them every {@link CHANNEL_TOTALS_REFRESH_MS} for the gauges. */
  async open (options: AbortOptions = {}): Promise<void> {
    await this.refresh(options)
    this.refresher = setInterval(() => {
      this.refresh().catch((err: unknown) => { this.init.log('channel totals not refreshed: %s', (err as Error).message) })
    }, CHANNEL_TOTALS_REFRESH_MS)
    this.refresher.unref()
  }

  /** Stops the refresh; the connections are the mailbox store's, closed with it. */
  async close (): Promise<void> {
    clearInterval(this.refresher)
  }

  private async refresh (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ channels: number, bytes: string }>>`SELECT channels, bytes FROM channel_totals WHERE id = 1`)
    if (row != null) this.totals = { channels: row.channels, bytes: Number(row.bytes) }
  }

  keeps (channelKey: Uint8Array): boolean {
    return this.keepIds === 'all' || this.keepIds.has(channelId(channelKey))
  }

  async channelKeys (options: AbortOptions = {}): Promise<Uint8Array[]> {
    options.signal?.throwIfAborted()
    const rows = await this.init.db.run(async (sql) => await sql<Array<{ channel_key: Uint8Array }>>`SELECT channel_key FROM channels ORDER BY channel`)
    return rows.map((r) => Uint8Array.from(r.channel_key))
  }

  async bytes (channelKey?: Uint8Array, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    if (channelKey == null) {
      await this.refresh()
      return this.totals.bytes
    }
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ bytes: string }>>`SELECT bytes FROM channels WHERE channel = ${channelId(channelKey)}`)
    return Number(row?.bytes ?? 0)
  }

  gauges (): { channels: number, bytes: number } {
    return { ...this.totals }
  }

  async firstGap (channelKey: Uint8Array, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    const id = channelId(channelKey)
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ gap: string | null }>>`
      SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM channel_posts WHERE channel = c.channel AND seq = c.floor + 1) THEN c.floor + 1
        ELSE (SELECT min(p.seq) + 1 FROM channel_posts p WHERE p.channel = c.channel AND p.seq > c.floor
              AND NOT EXISTS (SELECT 1 FROM channel_posts q WHERE q.channel = c.channel AND q.seq = p.seq + 1))
      END AS gap FROM channels c WHERE c.channel = ${id}`)
    return row?.gap == null ? 1 : Number(row.gap)
  }

  async contiguousHead (channelKey: Uint8Array, options: AbortOptions = {}): Promise<{ seq: number, hash?: Uint8Array }> {
    const seq = await this.firstGap(channelKey, options) - 1
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ hash: Uint8Array }>>`
      SELECT hash FROM channel_posts WHERE channel = ${channelId(channelKey)} AND seq = ${seq}`)
    return row != null ? { seq, hash: Uint8Array.from(row.hash) } : { seq: 0 }
  }

  async query (channelKey: Uint8Array, query: HistoryQuery, options: AbortOptions = {}): Promise<HistoryPage> {
    options.signal?.throwIfAborted()
    const id = channelId(channelKey)
    // a cursor is input: kept within what a seq can be (posts are numbered up to 2^53 - 1)
    const limit = Math.min(Math.max(0, Math.floor(query.limit)), MAX_CHANNEL_QUERY_POSTS)
    const after = Math.min(Math.max(0, Math.floor(query.after)), Number.MAX_SAFE_INTEGER)
    const page = await this.init.db.run(async (sql) => {
      const [channel] = await sql<Array<{ head: string }>>`SELECT head FROM channels WHERE channel = ${id}`
      if (channel == null) return undefined
      const rows = query.latest === true
        ? (await sql<Array<{ body: Uint8Array }>>`SELECT body FROM (SELECT seq, body FROM channel_posts WHERE channel = ${id} AND seq > ${after} ORDER BY seq DESC LIMIT ${limit}) t ORDER BY seq`)
        : await sql<Array<{ body: Uint8Array }>>`SELECT body FROM channel_posts WHERE channel = ${id} AND seq > ${after} ORDER BY seq LIMIT ${limit}`
      return { posts: rows.map((r) => Uint8Array.from(r.body)), head: Number(channel.head) }
    })
    if (page !== undefined) return page
    if (!this.keeps(channelKey)) throw new ParleyError('This relay does not keep that channel', ErrorCode.CHANNEL_NOT_KEPT)
    return { posts: [], head: 0 }
  }

  async store (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId | undefined, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    if (!this.keeps(channelKey)) throw new ParleyError('This relay does not keep that channel', ErrorCode.CHANNEL_NOT_KEPT)
    let stored = 0
    let firstError: ParleyError | undefined
    for (const bytes of posts) {
      options.signal?.throwIfAborted()
      try {
        if (await this.storeOne(channelKey, verifyChannelPost(bytes, channelKey), options)) stored++
      } catch (err) {
        if (!(err instanceof ParleyError)) throw err
        firstError ??= err
        this.init.log.trace('refused a post from %s - %s', from?.toString() ?? 'gossip', err.code)
      }
    }
    // a batch that was all refused tells the sender why; a partial one stores what it could
    if (stored === 0 && firstError != null && !(firstError.code === ErrorCode.CHANNEL_CONFLICT && posts.length > 1)) throw firstError
    return stored
  }

  async storeOne (channelKey: Uint8Array, verified: VerifiedPost, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const id = channelId(channelKey)
    const seq = Number(verified.post.seq)
    // most stores of a fleet are repeats (every member hears the same gossip): answered without a lock
    const [held] = await this.init.db.run(async (sql) => await sql<Array<{ hash: Uint8Array }>>`SELECT hash FROM channel_posts WHERE channel = ${id} AND seq = ${seq}`)
    if (held != null) return this.repeat(held.hash, verified, seq)
    const outcome = await this.init.db.tx(async (tx) => await this.write(tx, id, channelKey, seq, verified))
    if ('refusal' in outcome) throw outcome.refusal
    if (outcome.stored) this.init.onStored?.(verified)
    return outcome.stored
  }

  private repeat (hash: Uint8Array, verified: VerifiedPost, seq: number): false {
    if (toHex(hash) === toHex(verified.hash)) return false
    throw new ParleyError(`Another post ${seq} is kept for this channel`, ErrorCode.CHANNEL_CONFLICT)
  }

  private async write (tx: Sql, id: string, channelKey: Uint8Array, seq: number, verified: VerifiedPost): Promise<Outcome> {
    const { config } = this.init
    // lock order, everywhere: the fleet's totals row, then the channel's row
    const [totals] = await tx<Array<{ channels: number, bytes: string }>>`SELECT channels, bytes FROM channel_totals WHERE id = 1 FOR UPDATE`
    let [channel] = await tx<Array<{ bytes: string }>>`SELECT bytes FROM channels WHERE channel = ${id} FOR UPDATE`
    const near = await tx<Array<{ seq: string, hash: Uint8Array, prev: Uint8Array }>>`
      SELECT seq, hash, prev FROM channel_posts WHERE channel = ${id} AND seq BETWEEN ${seq - 1} AND ${seq + 1}`
    const at = (s: number): { hash: Uint8Array, prev: Uint8Array } | undefined => near.find((r) => Number(r.seq) === s)
    const existing = at(seq)
    if (existing != null) return { stored: this.repeat(existing.hash, verified, seq) }
    const before = at(seq - 1)
    if (before != null && toHex(before.hash) !== toHex(verified.post.prev)) return { refusal: new ChannelPostInvalidError('bad-prev', 'Post does not follow the one before it') }
    const after = at(seq + 1)
    if (after != null && toHex(after.prev) !== toHex(verified.hash)) return { refusal: new ChannelPostInvalidError('bad-prev', 'Post is not the one the next post names') }
    const size = verified.bytes.length
    let totalBytes = Number(totals.bytes)
    if (channel == null) {
      if (totals.channels >= config.maxChannels) return { refusal: new ParleyError('Relay keeps no more channels', ErrorCode.CHANNEL_HISTORY_FULL) }
      await tx`INSERT INTO channels (channel, channel_key) VALUES (${id}, ${buf(channelKey)})`
      await tx`UPDATE channel_totals SET channels = channels + 1 WHERE id = 1`
      channel = { bytes: '0' }
    }
    totalBytes -= await this.prune(tx, id, Number(channel.bytes), size)
    if (totalBytes + size > config.maxBytes) return { refusal: new ParleyError('Relay channel history is full', ErrorCode.CHANNEL_HISTORY_FULL) }
    await tx`INSERT INTO channel_posts (channel, seq, hash, prev, received_at, body)
      VALUES (${id}, ${seq}, ${buf(verified.hash)}, ${buf(verified.post.prev)}, ${this.now()}, ${buf(verified.bytes)})`
    await tx`UPDATE channels SET bytes = bytes + ${size}, head = greatest(head, ${seq}) WHERE channel = ${id}`
    await tx`UPDATE channel_totals SET bytes = bytes + ${size} WHERE id = 1`
    return { stored: true }
  }

  /**
   * Drops a channel's oldest posts (in seq order) while the oldest is past retention or the
   * channel's posts and `incoming` more bytes exceed its share; raises its floor past them and
   * settles its bytes and the fleet's. The caller holds the totals and channel rows. Returns the
   * bytes dropped.
   */
  private async prune (tx: Sql, id: string, channelBytes: number, incoming: number): Promise<number> {
    const cutoff = this.now() - this.init.config.retention
    const max = this.init.config.maxBytesPerChannel
    const [oldest] = await tx<Array<{ received_at: string }>>`SELECT received_at FROM channel_posts WHERE channel = ${id} ORDER BY seq LIMIT 1`
    if (oldest == null || (Number(oldest.received_at) >= cutoff && channelBytes + incoming <= max)) return 0
    // the first post (in seq order) that is within retention and, with the posts above it, fits: everything below it goes
    const [keep] = await tx<Array<{ seq: string | null }>>`
      SELECT min(seq) AS seq FROM (
        SELECT seq, received_at, sum(length(body)) OVER (ORDER BY seq DESC) AS suffix FROM channel_posts WHERE channel = ${id}
      ) t WHERE received_at >= ${cutoff} AND suffix + ${incoming} <= ${max}`
    const gone = keep?.seq == null
      ? await tx<Array<{ seq: string, size: number }>>`DELETE FROM channel_posts WHERE channel = ${id} RETURNING seq, length(body) AS size`
      : await tx<Array<{ seq: string, size: number }>>`DELETE FROM channel_posts WHERE channel = ${id} AND seq < ${keep.seq}::bigint RETURNING seq, length(body) AS size`
    if (gone.length === 0) return 0
    const bytes = gone.reduce((s, r) => s + r.size, 0)
    const floor = gone.reduce((m, r) => Math.max(m, Number(r.seq)), 0)
    await tx`UPDATE channels SET bytes = greatest(0, bytes - ${bytes}), floor = greatest(floor, ${floor}) WHERE channel = ${id}`
    await tx`UPDATE channel_totals SET bytes = greatest(0, bytes - ${bytes}) WHERE id = 1`
    return bytes
  }

  async sweep (options: AbortOptions = {}): Promise<void> {
    const rows = await this.init.db.run(async (sql) => await sql<Array<{ channel: string }>>`SELECT channel FROM channels ORDER BY channel`)
    for (const { channel } of rows) {
      options.signal?.throwIfAborted()
      await this.init.db.tx(async (tx) => {
        await tx`SELECT 1 FROM channel_totals WHERE id = 1 FOR UPDATE`
        const [row] = await tx<Array<{ bytes: string }>>`SELECT bytes FROM channels WHERE channel = ${channel} FOR UPDATE`
        if (row != null) await this.prune(tx, channel, Number(row.bytes), 0)
      })
    }
    await this.feedback.sweep(options)
    await this.refresh(options)
  }
}
