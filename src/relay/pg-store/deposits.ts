import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { QuotaExceededError, RelayRefusal } from '../errors.js'
import type { DepositInput, DepositResult, MailboxStoreLimits } from '../mailbox-store/types.js'
import type { StorageGauges } from '../mailbox-store/storage.js'
import type { Sql } from './db.js'
import { valueRows } from './sql.js'
import { dayOf } from './partitions.js'
import { lockMailboxes, type MailboxRow, type PgParts } from './parts.js'
import type { ShareLedger } from './shares.js'
import { DEPOSIT_CHANNEL, encodeNotices, type DepositNotice } from './notify.js'

/** Most deposits written in one transaction. */
export const MAX_PG_DEPOSIT_GROUP = 512

interface QueuedDeposit {
  input: DepositInput
  resolve: (result: DepositResult) => void
  reject: (err: Error) => void
}

/** The pending state of a group as the quota checks see it. */
interface Pending { newMailboxes: number, newUnowned: number, bytes: number }

/**
 * Why a deposit is refused, checked in the LevelDB store's order: the relay's mailbox count, an
 * unowned mailbox's own quotas, the mailbox's envelopes and bytes (exact: its row is locked), the
 * depositing address's share (exact: its share rows are locked), and the storage cap (against
 * the fleet totals, see `FleetTotals`).
 */
export function pgDepositRefusal (limits: MailboxStoreLimits, totals: StorageGauges, row: MailboxRow, size: number, isNew: boolean, pending: Pending, ledger: ShareLedger, depositor: number): QuotaExceededError | undefined {
  if (isNew && totals.mailboxes + pending.newMailboxes >= limits.maxMailboxes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
  if (!row.owned) {
    const maxUnowned = limits.maxUnownedMailboxes ?? limits.maxMailboxes
    if (isNew && totals.unownedMailboxes + pending.newUnowned >= maxUnowned) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes no owner has authenticated', 'unowned_mailboxes')
    const maxEnvelopes = limits.unownedMailboxMaxEnvelopes ?? limits.mailboxMaxEnvelopes
    if (row.count + 1 > maxEnvelopes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `A mailbox no owner has authenticated holds at most ${maxEnvelopes} envelopes`, 'unowned_mailbox_envelopes')
    const maxBytes = limits.unownedMailboxMaxBytes ?? limits.mailboxMaxBytes
    if (row.bytes + size > maxBytes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `A mailbox no owner has authenticated holds at most ${maxBytes} bytes`, 'unowned_mailbox_bytes')
  }
  if (row.count + 1 > limits.mailboxMaxEnvelopes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox holds ${row.count} envelopes (limit ${limits.mailboxMaxEnvelopes})`, 'mailbox_envelopes')
  if (row.bytes + row.prekeyBytes + size > limits.mailboxMaxBytes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox byte quota (${limits.mailboxMaxBytes}) exceeded`, 'mailbox_bytes')
  const share = ledger.refusal(depositor, size)
  if (share != null) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${share === 'address' ? 'network address' : 'IPv6 /48 network'} holds its share of the relay's storage; try later`, share === 'address' ? 'address_storage' : 'network_storage')
  if (totals.totalBytes + pending.bytes + size > limits.storageMaxBytes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay storage is full', 'storage')
  return undefined
}

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/**
 * Group commit of deposits on PostgreSQL: those arriving while a transaction is under way go
 * together in the next one (up to {@link MAX_PG_DEPOSIT_GROUP}), each checked in arrival order.
 * In one transaction: the mailboxes' rows are created if new and locked (sorted), held ids read,
 * the depositors' share rows locked; then ids go in with `ON CONFLICT DO NOTHING` (a concurrent
 * deposit of the same id through another process makes this one a duplicate), the bodies into
 * their expiry day's partition, the counters and shares are written and a notice is sent to
 * the fleet (`NOTIFY`, delivered at commit). A deposit resolves only after the commit.
 */
export class PgDepositBatcher {
  private readonly queue: QueuedDeposit[] = []
  private committing = false
  private readonly waiters: Array<() => void> = []

  constructor (private readonly parts: PgParts, private readonly origin: string, private readonly isOpen: () => boolean) {}

  async enqueue (input: DepositInput): Promise<DepositResult> {
    if (!this.isOpen()) throw new RelayRefusal(MailboxErrorCode.SHUTTING_DOWN, 'Relay is shutting down (mailbox store closed)')
    const { promise, resolve, reject } = Promise.withResolvers<DepositResult>()
    this.queue.push({ input, resolve, reject })
    if (!this.committing) void this.commitQueued()
    return await promise
  }

  async idle (): Promise<void> {
    if (this.committing) await new Promise<void>((resolve) => { this.waiters.push(resolve) })
  }

  private async commitQueued (): Promise<void> {
    this.committing = true
    try {
      await new Promise<void>((resolve) => { setImmediate(resolve) })
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_PG_DEPOSIT_GROUP)
        try {
          const results = await this.commitGroup(group.map((d) => d.input))
          results.forEach((r, i) => { if (r instanceof Error) group[i].reject(r); else group[i].resolve(r) })
        } catch (err) {
          for (const d of group) d.reject(err as Error)
        }
      }
    } finally {
      this.committing = false
      for (const wake of this.waiters.splice(0)) wake()
    }
  }

  private async commitGroup (inputs: DepositInput[]): Promise<Array<DepositResult | QuotaExceededError>> {
    const { partitions, db } = this.parts
    const days = new Set<number>()
    for (const d of inputs) {
      days.add(dayOf(d.expiresAt))
      if (d.unownedExpiresAt !== undefined) days.add(dayOf(Math.min(d.expiresAt, d.unownedExpiresAt)))
    }
    await partitions.ensure(days)
    const outcome = await db.tx(async (tx) => await this.write(tx, inputs))
    this.parts.totals.moved(outcome.moved)
    return outcome.results
  }

  private async write (tx: Sql, inputs: DepositInput[]): Promise<{ results: Array<DepositResult | QuotaExceededError>, moved: Partial<StorageGauges> }> {
    const { limits, totals, shares } = this.parts
    const now = inputs[0].now
    const names = [...new Set(inputs.map((d) => d.mailbox))].sort()
    const created = new Set((await tx<Array<{ mailbox: string }>>`
      INSERT INTO mailboxes (mailbox, since) SELECT m, ${now} FROM unnest(${names}::text[]) AS m ORDER BY m ON CONFLICT DO NOTHING RETURNING mailbox`).map((r) => r.mailbox))
    const rows = await lockMailboxes(tx, names)
    const heldRows = await tx<Array<{ mailbox: string, id: string }>>`
      SELECT e.mailbox, e.id FROM envelope_ids e JOIN unnest(${inputs.map((d) => d.mailbox)}::text[], ${inputs.map((d) => d.id)}::text[]) AS w(m, i) ON e.mailbox = w.m AND e.id = w.i`
    const held = new Set(heldRows.map((r) => `${r.mailbox}!${r.id}`))
    const ledger = await shares.lock(tx, inputs.map((d) => d.depositor ?? 0), 'bytes')
    const pending: Pending = { newMailboxes: 0, newUnowned: 0, bytes: 0 }
    const touched = new Set<string>()
    const accepted: Array<{ i: number, day: number, expiresAt: number }> = []
    const results = inputs.map((input, i): DepositResult | QuotaExceededError => {
      const key = `${input.mailbox}!${input.id}`
      if (held.has(key)) return { duplicate: true }
      const row = rows.get(input.mailbox)
      if (row == null) throw new Error('mailbox row missing after insert')
      const isNew = created.has(input.mailbox) && !touched.has(input.mailbox)
      const depositor = input.depositor ?? 0
      const size = input.bytes.length
      const refusal = pgDepositRefusal(limits, totals, row, size, isNew, pending, ledger, depositor)
      if (refusal != null) return refusal
      held.add(key)
      ledger.add(depositor, size)
      if (isNew) { pending.newMailboxes++; if (!row.owned) pending.newUnowned++ }
      touched.add(input.mailbox)
      row.count++
      row.bytes += size
      pending.bytes += size
      const expiresAt = row.owned ? input.expiresAt : Math.min(input.expiresAt, input.unownedExpiresAt ?? input.expiresAt)
      accepted.push({ i, day: dayOf(expiresAt), expiresAt })
      return { duplicate: false }
    })
    const moved: Partial<StorageGauges> = {}
    if (accepted.length > 0) {
      const inserted = await tx<Array<{ mailbox: string, id: string, seq: string }>>`
        INSERT INTO envelope_ids (mailbox, id, day)
        SELECT * FROM unnest(${accepted.map((a) => inputs[a.i].mailbox)}::text[], ${accepted.map((a) => inputs[a.i].id)}::text[], ${accepted.map((a) => a.day)}::integer[])
        ON CONFLICT DO NOTHING RETURNING mailbox, id, seq`
      const seqs = new Map(inserted.map((r) => [`${r.mailbox}!${r.id}`, r.seq]))
      const bodies = []
      const notices: DepositNotice[] = []
      const byMailbox = new Map<string, { n: number, b: number }>()
      for (const a of accepted) {
        const input = inputs[a.i]
        const seq = seqs.get(`${input.mailbox}!${input.id}`)
        if (seq === undefined) {
          // deposited meanwhile through another process (its transaction committed first)
          results[a.i] = { duplicate: true }
          ledger.add(input.depositor ?? 0, -input.bytes.length)
          continue
        }
        bodies.push({ day: a.day, mailbox: input.mailbox, seq, id: input.id, expires_at: a.expiresAt, secret: input.secret, depositor: input.depositor ?? 0, body: toBuffer(input.bytes) })
        notices.push({ mailbox: input.mailbox, seq, day: a.day })
        const m = byMailbox.get(input.mailbox) ?? { n: 0, b: 0 }
        m.n++
        m.b += input.bytes.length
        byMailbox.set(input.mailbox, m)
      }
      if (bodies.length > 0) {
        await tx`INSERT INTO envelopes (day, mailbox, seq, id, expires_at, secret, depositor, body) ${valueRows(bodies.map((b) => [b.day, b.mailbox, b.seq, b.id, b.expires_at, b.secret, b.depositor, b.body]))}`
        const names = [...byMailbox.keys()]
        await tx`UPDATE mailboxes m SET count = m.count + d.n, bytes = m.bytes + d.b, provisional = false
          FROM unnest(${names}::text[], ${names.map((n) => byMailbox.get(n)?.n ?? 0)}::integer[], ${names.map((n) => byMailbox.get(n)?.b ?? 0)}::bigint[]) AS d(mailbox, n, b)
          WHERE m.mailbox = d.mailbox`
        for (const payload of encodeNotices(this.origin, notices)) await tx`SELECT pg_notify(${DEPOSIT_CHANNEL}, ${payload})`
        moved.totalEnvelopes = bodies.length
        moved.totalBytes = bodies.reduce((s, b) => s + b.body.length, 0)
      }
      await ledger.save(tx)
    }
    // mailboxes created for deposits that were all refused or duplicates go again
    const unused = [...created]
    if (unused.length > 0) await tx`DELETE FROM mailboxes WHERE mailbox = ANY(${unused}::text[]) AND NOT owned AND count = 0 AND prekeys = 0`
    const createdUsed = [...created].filter((m) => touched.has(m)).length
    moved.mailboxes = createdUsed
    moved.unownedMailboxes = createdUsed
    return { results, moved }
  }
}
