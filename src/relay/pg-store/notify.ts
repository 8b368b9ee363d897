import type { Logger } from '@libp2p/interface'
import type pg from 'pg'
import type { RemoteDeposit } from '../mailbox-store/storage.js'
import type { DbRunner } from './db.js'
import { ChannelListener } from './listen.js'

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

/**
 * Pushes across the fleet: `LISTEN parley_deposits` on a connection of its own, listening again
 * after it was lost (`ChannelListener`); a notice from another process for a mailbox this process has a
 * subscriber for has its envelope read (by seq and day: one index lookup) and handed to the
 * listeners. Notices of this process's own deposits are skipped (the server pushed them already).
 */
export class DepositNotices {
  private readonly listeners = new Set<{ listener: Listener, wants: Wants }>()
  private readonly channel: ChannelListener

  constructor (config: pg.ClientConfig, private readonly db: DbRunner, private readonly origin: string, private readonly log: Logger) {
    this.channel = new ChannelListener({ config, channel: DEPOSIT_CHANNEL, onPayload: (payload) => { this.received(payload) }, log })
  }

  /** Whether the `LISTEN` connection is up (pushes from other processes arrive). */
  get listening (): boolean { return this.channel.listening }

  async start (): Promise<void> {
    await this.channel.start()
  }

  async stop (): Promise<void> {
    this.listeners.clear()
    await this.channel.stop()
  }

  subscribe (listener: Listener, wants: Wants): () => void {
    const entry = { listener, wants }
    this.listeners.add(entry)
    return () => { this.listeners.delete(entry) }
  }

  private received (payload: string): void {
    const { origin, notices } = decodeNotices(payload)
    if (origin === this.origin || this.listeners.size === 0) return
    const wanted = notices.filter((n) => [...this.listeners].some((l) => l.wants(n.mailbox)))
    if (wanted.length === 0) return
    void this.load(wanted).catch((err: unknown) => {
      // the subscriber's next fetch gets it: a push is a shortcut, not the delivery
      this.log('pushed deposits not loaded: %s', (err as Error).message)
    })
  }

  private async load (notices: DepositNotice[]): Promise<void> {
    const rows = await this.db.run(async (sql) => await sql<Array<{ mailbox: string, id: string, secret: boolean, body: Uint8Array }>>`
      SELECT e.mailbox, e.id, e.secret, e.body FROM envelopes e
      JOIN unnest(${notices.map((n) => n.mailbox)}::text[], ${notices.map((n) => n.seq)}::bigint[], ${notices.map((n) => n.day)}::integer[]) AS w(m, s, d)
      ON e.mailbox = w.m AND e.seq = w.s AND e.day = w.d ORDER BY e.seq`)
    for (const row of rows) {
      const deposit: RemoteDeposit = { mailbox: row.mailbox, id: row.id, secret: row.secret, bytes: Uint8Array.from(row.body) }
      for (const { listener, wants } of this.listeners) if (wants(row.mailbox)) listener(deposit)
    }
  }
}
