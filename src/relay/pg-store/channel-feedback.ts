import type { AbortOptions, Logger } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { feedbackFingerprint } from '../../identity/channel/channel-feedback.js'
import { FeedbackRates, type FeedbackDepositor, type FeedbackInbox, type FeedbackInboxLimits } from '../../net/channel-feedback-inbox.js'
import type { FeedbackPage } from '../../net/channel-history.js'
import { MAX_FEEDBACK_COLLECT } from '../../net/constants.js'
import type { DbRunner, Sql } from './db.js'

export interface PgFeedbackInboxInit {
  db: DbRunner
  limits: FeedbackInboxLimits
  log: Logger
  now?: () => number
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** What a deposit decided inside its transaction: a refusal is thrown after the commit (so that what it expired stays expired). */
type Outcome = { stored: boolean } | { refusal: ParleyError }

/**
 * A fleet's sealed reader feedback in its PostgreSQL (`channel_feedback`,
 * `channel_feedback_heads` of schema 4), so that a box deposited through one member is collected
 * through any, survives restarts, and is held once (by its fingerprint) however often readers or
 * reconciliation bring it. The bounds are `ChannelFeedbackInbox`'s, held across the fleet: a
 * deposit locks its channel's head row, which also orders cursors (the head's last cursor + 1, or
 * the clock in µs if later), so an owner's cursor never skips a box committed later. The rates per
 * peer and address are per member (in memory), as for every other request; the number of channels
 * with feedback is checked without a fleet-wide lock (members depositing at once for new channels
 * may pass it by one each).
 */
export class PgFeedbackInbox implements FeedbackInbox {
  private readonly rates: FeedbackRates
  private readonly now: () => number

  constructor (private readonly init: PgFeedbackInboxInit) {
    this.now = init.now ?? Date.now
    this.rates = new FeedbackRates(init.limits, this.now)
  }

  async deposit (channelKey: Uint8Array, sealed: Uint8Array, from: FeedbackDepositor, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    this.rates.take(sealed, from)
    const outcome = await this.init.db.tx(async (tx) => await this.write(tx, toHex(channelKey), sealed, from))
    if ('refusal' in outcome) throw outcome.refusal
    return outcome.stored
  }

  private async write (tx: Sql, id: string, sealed: Uint8Array, from: FeedbackDepositor): Promise<Outcome> {
    const { limits } = this.init
    const now = this.now()
    await tx`INSERT INTO channel_feedback_heads (channel) VALUES (${id}) ON CONFLICT DO NOTHING`
    const [head] = await tx<Array<{ last_cursor: string, held: number }>>`SELECT last_cursor, held FROM channel_feedback_heads WHERE channel = ${id} FOR UPDATE`
    const expired = await tx<Array<{ cursor: string }>>`DELETE FROM channel_feedback WHERE channel = ${id} AND at < ${now - limits.retentionMs} RETURNING cursor`
    let held = Math.max(0, head.held - expired.length)
    if (expired.length > 0) await tx`UPDATE channel_feedback_heads SET held = ${held} WHERE channel = ${id}`
    if (held === 0) {
      const [others] = await tx<Array<{ n: string }>>`SELECT count(*) AS n FROM channel_feedback_heads WHERE held > 0 AND channel <> ${id}`
      if (Number(others.n) >= limits.channels) return { refusal: new ParleyError('Feedback inbox full', ErrorCode.CHANNEL_HISTORY_FULL) }
    }
    const synced = from.synced === true
    // a box held already changes nothing (reconciliation brings boxes again after a restart)
    const fingerprint = Buffer.from(feedbackFingerprint(sealed), 'hex')
    const [dup] = await tx<Array<{ one: number }>>`SELECT 1 AS one FROM channel_feedback WHERE channel = ${id} AND fingerprint = ${fingerprint}`
    if (dup != null) return { stored: false }
    const [byPeer] = await tx<Array<{ n: string }>>`SELECT count(*) AS n FROM channel_feedback WHERE channel = ${id} AND peer = ${from.peer}`
    if (Number(byPeer.n) >= (synced ? limits.heldPerSyncPeer : limits.heldPerPeer)) return { refusal: new ParleyError('Too much feedback from this peer', ErrorCode.RATE_LIMITED) }
    if (!synced && from.address != null) {
      const [byAddress] = await tx<Array<{ n: string }>>`SELECT count(*) AS n FROM channel_feedback WHERE channel = ${id} AND address = ${from.address}`
      if (Number(byAddress.n) >= limits.heldPerAddress) return { refusal: new ParleyError('Too much feedback from this address', ErrorCode.RATE_LIMITED) }
    }
    // reconciled boxes fill free room only: they never push a reader's box out
    if (synced && held >= limits.perChannel) return { refusal: new ParleyError('Feedback inbox of this channel is full', ErrorCode.CHANNEL_HISTORY_FULL) }
    const cursor = Math.max(Number(head.last_cursor) + 1, now * 1000)
    await tx`INSERT INTO channel_feedback (channel, cursor, fingerprint, at, peer, address, synced, sealed)
      VALUES (${id}, ${cursor}, ${fingerprint}, ${now}, ${from.peer}, ${from.address ?? null}, ${synced}, ${buf(sealed)})`
    held++
    if (held > limits.perChannel) {
      const gone = await tx<Array<{ cursor: string }>>`DELETE FROM channel_feedback WHERE channel = ${id} AND cursor IN (
        SELECT cursor FROM channel_feedback WHERE channel = ${id} ORDER BY cursor LIMIT ${held - limits.perChannel}) RETURNING cursor`
      held -= gone.length
    }
    await tx`UPDATE channel_feedback_heads SET last_cursor = ${cursor}, held = ${held} WHERE channel = ${id}`
    return { stored: true }
  }

  async collect (channelKey: Uint8Array, after: number, limit = MAX_FEEDBACK_COLLECT, options: AbortOptions = {}): Promise<FeedbackPage> {
    options.signal?.throwIfAborted()
    const id = toHex(channelKey)
    const n = Math.max(1, Math.min(Math.floor(limit), MAX_FEEDBACK_COLLECT))
    const from = Math.min(Math.max(0, Math.floor(after)), Number.MAX_SAFE_INTEGER)
    const rows = await this.init.db.run(async (sql) => await sql<Array<{ cursor: string, sealed: Uint8Array }>>`
      SELECT cursor, sealed FROM channel_feedback WHERE channel = ${id} AND cursor > ${from} AND at >= ${this.now() - this.init.limits.retentionMs}
      ORDER BY cursor LIMIT ${n}`)
    return { sealed: rows.map((r) => Uint8Array.from(r.sealed)), cursor: rows.length > 0 ? Number(rows[rows.length - 1].cursor) : after }
  }

  async held (channelKey: Uint8Array, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ n: string }>>`SELECT count(*) AS n FROM channel_feedback WHERE channel = ${toHex(channelKey)} AND at >= ${this.now() - this.init.limits.retentionMs}`)
    return Number(row?.n ?? 0)
  }

  async sweep (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const cutoff = this.now() - this.init.limits.retentionMs
    const rows = await this.init.db.run(async (sql) => await sql<Array<{ channel: string }>>`SELECT DISTINCT channel FROM channel_feedback WHERE at < ${cutoff}`)
    for (const { channel } of rows) {
      options.signal?.throwIfAborted()
      await this.init.db.tx(async (tx) => {
        await tx`SELECT 1 FROM channel_feedback_heads WHERE channel = ${channel} FOR UPDATE`
        const gone = await tx<Array<{ cursor: string }>>`DELETE FROM channel_feedback WHERE channel = ${channel} AND at < ${cutoff} RETURNING cursor`
        await tx`UPDATE channel_feedback_heads SET held = greatest(0, held - ${gone.length}) WHERE channel = ${channel}`
      })
    }
    if (rows.length > 0) this.init.log('feedback sweep: %d channels', rows.length)
  }
}
