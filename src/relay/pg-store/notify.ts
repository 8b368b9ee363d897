import type { Logger } from '@libp2p/interface'
import type pg from 'pg'
import type { RemoteDeposit } from '../mailbox-store/storage.js'
import type { DbRunner } from './db.js'
import { ChannelListener } from './listen.js'
import { readSeqFloor, replayAbove } from './push-replay.js'

/** The `NOTIFY` channel of new deposits. */
export const DEPOSIT_CHANNEL = 'parley_deposits'

/** What a notice carries of one deposit: where it is, never its bytes (a notice is at most 8000 bytes). */
export interface DepositNotice {
  mailbox: string
  seq: string
  day: number
}

/** Notice payloads stay well under PostgreSQL's 8000-byte limit. */
const MAX_PAYLOAD = 7000
const MAILBOX_RE = /^[0-9a-f]{1,128}$/
const SEQ_RE = /^[0-9]{1,20}$/

/** `origin` then `mailbox:seq:day` entries, space-separated, split into payloads of at most {@link MAX_PAYLOAD} characters. */
export function encodeNotices (origin: string, notices: DepositNotice[]): string[] {
  const payloads: string[] = []
  let current = origin
  for (const n of notices) {
    const entry = ` ${n.mailbox}:${n.seq}:${n.day}`
    if (current.length + entry.length > MAX_PAYLOAD) { payloads.push(current); current = origin }
    current += entry
  }
  if (current !== origin) payloads.push(current)
  return payloads
}

/** Parses a payload; malformed entries are skipped (the channel is the fleet's own, but a payload is still input). */
export function decodeNotices (payload: string): { origin: string, notices: DepositNotice[] } {
  const [origin, ...entries] = payload.split(' ')
  const notices: DepositNotice[] = []
  for (const entry of entries) {
    const [mailbox, seq, day] = entry.split(':')
    if (mailbox == null || !MAILBOX_RE.test(mailbox) || seq == null || !SEQ_RE.test(seq) || !Number.isInteger(Number(day))) continue
    notices.push({ mailbox, seq, day: Number(day) })
  }
  return { origin, notices }
}

type Listener = (deposit: RemoteDeposit) => void
type Wants = (mailbox: string) => boolean
type Subscribed = () => Iterable<string>

/** Notices waiting to be handled; past this many, new ones are dropped (their subscribers get them at their next fetch). */
export const MAX_PENDING_NOTICES = 8192
/** Notices handled per statement. */
const NOTICE_BATCH = 512
/** A replay that failed (the database out of reach) is tried again after this long (ms). */
const REPLAY_RETRY_MS = 1000

interface Pending extends DepositNotice { own: boolean }

/**
 * Pushes across the fleet: `LISTEN parley_deposits` on a connection of its own, listening again
 * after it was lost (`ChannelListener`); a notice from another process for a mailbox this process
 * has a subscriber for has its envelope read (by seq and day: one index lookup) and handed to the
 * listeners. Notices of this process's own deposits are not read (the server pushed them already).
 *
 * Notices are handled one batch at a time, in the order they arrive (commit order), and each
 * subscribed mailbox keeps a watermark: the highest seq pushed from it (or deposited through this
 * process). When the `LISTEN` connection comes back after a loss, the deposits other processes
 * committed meanwhile notified nobody here: they are **replayed** — every envelope of a
 * subscribed mailbox above its watermark (or, for a mailbox with none, above the seq the fleet
 * had reached when the lost connection came up) is read and pushed, before the notices that
 * arrived since are handled (those at or below the watermark were in the replay). So a
 * subscriber does not wait for its next periodic fetch; an envelope of this process's own,
 * deposited while the connection was down, may be pushed a second time (clients drop repeats by id).
 */
export class DepositNotices {
  private readonly listeners = new Set<{ listener: Listener, wants: Wants, subscribed?: Subscribed }>()
  private readonly channel: ChannelListener
  /** Per subscribed mailbox: the highest seq pushed here, or deposited here. */
  private readonly watermarks = new Map<string, bigint>()
  private pending: Pending[] = []
  /** A (re)connection to handle: read the new floor, and replay when it came back after a loss. */
  private reconnected: { again: boolean } | undefined
  /** The fleet's seq when the current `LISTEN` connection came up (the previous one's until the replay is done). */
  private floor = 0n
  private worker: Promise<void> | undefined
  private retry: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private replayFailures = 0

  constructor (config: pg.ClientConfig, private readonly db: DbRunner, private readonly origin: string, private readonly log: Logger) {
    this.channel = new ChannelListener({
      config,
      channel: DEPOSIT_CHANNEL,
      onPayload: (payload) => { this.received(payload) },
      onListening: (again) => { this.reconnected = { again: again || this.reconnected?.again === true }; this.kick() },
      log
    })
  }

  /** Whether the `LISTEN` connection is up (pushes from other processes arrive). */
  get listening (): boolean { return this.channel.listening }

  async start (): Promise<void> {
    this.stopped = false
    await this.channel.start()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.retry)
    this.listeners.clear()
    this.pending = []
    await this.channel.stop()
    await this.worker
  }

  /** `subscribed` lists the mailboxes `wants` accepts, for the replay after a lost connection (without it, none is replayed). */
  subscribe (listener: Listener, wants: Wants, subscribed?: Subscribed): () => void {
    const entry = { listener, wants, subscribed }
    this.listeners.add(entry)
    return () => { this.listeners.delete(entry) }
  }

  private wanted (mailbox: string): boolean {
    for (const l of this.listeners) if (l.wants(mailbox)) return true
    return false
  }

  private received (payload: string): void {
    if (this.listeners.size === 0) return
    const { origin, notices } = decodeNotices(payload)
    const own = origin === this.origin
    for (const n of notices) {
      if (!this.wanted(n.mailbox)) { this.watermarks.delete(n.mailbox); continue }
      if (this.pending.length >= MAX_PENDING_NOTICES) {
        this.log('deposit notices dropped: %d waiting (their subscribers get them at their next fetch)', this.pending.length)
        break
      }
      this.pending.push({ ...n, own })
    }
    this.kick()
  }

  /** Runs the worker unless it runs: one batch at a time, in arrival order. */
  private kick (): void {
    if (this.worker !== undefined || this.stopped) return
    this.worker = this.work().finally(() => {
      this.worker = undefined
      if (this.pending.length > 0 || (this.reconnected !== undefined && this.retry === undefined)) this.kick()
    })
  }

  private async work (): Promise<void> {
    while (!this.stopped) {
      if (this.reconnected !== undefined) {
        const { again } = this.reconnected
        try {
          const floor = await readSeqFloor(this.db)
          if (again) await this.replay()
          this.floor = floor
          this.reconnected = undefined
          this.replayFailures = 0
        } catch (err) {
          // the subscribers' next fetch gets them meanwhile: a push is a shortcut, not the delivery
          if (this.replayFailures++ === 0) this.log.error('reading what was deposited while not listening failed (%s): trying again every second', (err as Error).message)
          else this.log('replay not done yet (%s)', (err as Error).message)
          clearTimeout(this.retry)
          this.retry = setTimeout(() => { this.retry = undefined; this.kick() }, REPLAY_RETRY_MS)
          this.retry.unref()
          return
        }
        continue
      }
      if (this.pending.length === 0) return
      const batch = this.pending.splice(0, NOTICE_BATCH)
      await this.handle(batch).catch((err: unknown) => {
        this.log('pushed deposits not loaded: %s', (err as Error).message)
      })
    }
  }

  /** Where a replay starts for a mailbox. */
  private replayFrom (mailbox: string): bigint {
    return this.watermarks.get(mailbox) ?? this.floor
  }

  /** Whether seq was pushed (or deposited here) already: at or below the mailbox's watermark. */
  private seen (mailbox: string, seq: bigint): boolean {
    const mark = this.watermarks.get(mailbox)
    return mark !== undefined && seq <= mark
  }

  private push (deposit: RemoteDeposit, seq: bigint): void {
    if (this.seen(deposit.mailbox, seq)) return // replayed already
    this.watermarks.set(deposit.mailbox, seq)
    for (const { listener, wants } of this.listeners) if (wants(deposit.mailbox)) listener(deposit)
  }

  private async replay (): Promise<void> {
    const mailboxes = new Set<string>()
    for (const l of this.listeners) for (const m of l.subscribed?.() ?? []) mailboxes.add(m)
    for (const m of this.watermarks.keys()) if (!mailboxes.has(m)) this.watermarks.delete(m)
    if (mailboxes.size === 0) return
    const replayed = await replayAbove(this.db, [...mailboxes], (m) => this.replayFrom(m), (row) => {
      this.push({ mailbox: row.mailbox, id: row.id, secret: row.secret, bytes: row.body }, row.seq)
    }, Date.now())
    this.log('replayed %d envelopes deposited while not listening, for %d subscribed mailboxes', replayed, mailboxes.size)
  }

  private async handle (batch: Pending[]): Promise<void> {
    const remote = batch.filter((n) => !n.own && !this.seen(n.mailbox, BigInt(n.seq)))
    const rows = remote.length === 0
      ? []
      : await this.db.run(async (sql) => await sql<Array<{ mailbox: string, seq: string, id: string, secret: boolean, body: Uint8Array }>>`
      SELECT e.mailbox, e.seq, e.id, e.secret, e.body FROM envelopes e
      JOIN unnest(${remote.map((n) => n.mailbox)}::text[], ${remote.map((n) => n.seq)}::bigint[], ${remote.map((n) => n.day)}::integer[]) AS w(m, s, d)
      ON e.mailbox = w.m AND e.seq = w.s AND e.day = w.d`)
    const found = new Map(rows.map((r) => [`${r.mailbox}:${r.seq}`, r]))
    // in arrival order: an own deposit raises the watermark only past what came before it
    for (const n of batch) {
      const seq = BigInt(n.seq)
      if (n.own) {
        if (this.wanted(n.mailbox) && !this.seen(n.mailbox, seq)) this.watermarks.set(n.mailbox, seq)
        continue
      }
      const row = found.get(`${n.mailbox}:${n.seq}`)
      if (row !== undefined) this.push({ mailbox: row.mailbox, id: row.id, secret: row.secret, bytes: Uint8Array.from(row.body) }, seq)
    }
  }
}
