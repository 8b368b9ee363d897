import type { AbortOptions } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { MailboxOwner } from '../../wire/relay-store.js'
import { QuotaExceededError } from '../errors.js'
import { lockMailboxes, readMailbox, type PgParts } from './parts.js'

/** Owner rows read per page by {@link owners}. */
const OWNER_PAGE = 1000

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

export async function getOwner (parts: PgParts, mailbox: string, options: AbortOptions = {}): Promise<MailboxOwner | undefined> {
  options.signal?.throwIfAborted()
  const [row] = await parts.db.run(async (sql) => await sql<Array<{ owner: Uint8Array | null }>>`SELECT owner FROM mailboxes WHERE mailbox = ${mailbox}`)
  return row?.owner == null ? undefined : MailboxOwner.decode(row.owner)
}

/** Why a first login from `creator` would be refused by its address's owned-mailbox share (read without locking), or undefined. */
export async function checkOwnedShare (parts: PgParts, creator: number, options: AbortOptions = {}): Promise<QuotaExceededError | undefined> {
  options.signal?.throwIfAborted()
  const rows = parts.shares.rows(creator, 'owned')
  if (rows.length === 0) return undefined
  const held = await parts.db.run(async (sql) => await sql<Array<{ kind: number, amount: string }>>`
    SELECT kind, amount FROM shares WHERE (kind, bucket) IN (SELECT * FROM unnest(${rows.map((r) => r[0])}::smallint[], ${rows.map((r) => r[1])}::integer[]))`)
  for (const r of held) {
    if (Number(r.amount) + 1 > parts.shares.limit(r.kind as 2 | 3)) {
      const address = r.kind === 2
      return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${address ? 'network address' : 'IPv6 /48 network'} has created its share of the mailboxes held here; try later`, address ? 'address_mailboxes' : 'network_mailboxes')
    }
  }
  return undefined
}

/**
 * Records an owner's facts and marks the mailbox owned, in one transaction holding its row: a
 * first login counts in the creating address's owned-mailbox share (locked, exact) and makes a
 * mailbox nothing was ever deposited to provisional; a later login while it holds prekeys ends
 * that. A new mailbox finding the fleet's mailbox count reached first has `makeRoom` evict one.
 */
export async function setOwner (parts: PgParts, mailbox: string, owner: MailboxOwner, makeRoom: () => Promise<void>, options: AbortOptions & { creator?: number } = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const { limits, totals, shares } = parts
  const creator = options.creator ?? 0
  const before = await parts.db.run(async (sql) => await readMailbox(sql, mailbox))
  if (before?.owned !== true) {
    const refusal = await checkOwnedShare(parts, creator, options)
    if (refusal != null) throw refusal
  }
  if (before == null && totals.mailboxes >= limits.maxMailboxes) await makeRoom()
  const encoded = toBuffer(MailboxOwner.encode(owner))
  const moved = await parts.db.tx(async (tx) => {
    const inserted = (await tx`INSERT INTO mailboxes (mailbox) VALUES (${mailbox}) ON CONFLICT DO NOTHING RETURNING mailbox`).length > 0
    const row = (await lockMailboxes(tx, [mailbox])).get(mailbox)
    if (row == null) throw new Error('mailbox row missing after insert')
    if (row.owned) {
      // logged in again while holding prekeys: a device that came back, not a throwaway
      const settled = row.provisional && (row.prekeys > 0 || row.prekeyBytes > 0)
      await tx`UPDATE mailboxes SET owner = ${encoded}, provisional = ${row.provisional && !settled} WHERE mailbox = ${mailbox}`
      return { provisionalMailboxes: settled ? -1 : 0 }
    }
    if (inserted && totals.mailboxes >= limits.maxMailboxes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
    const ledger = await shares.lock(tx, [creator], 'owned')
    const refusal = ledger.ownedRefusal(creator)
    if (refusal != null) throw refusal
    ledger.add(creator, 1)
    await ledger.save(tx)
    await tx`UPDATE mailboxes SET owner = ${encoded}, owned = true, creator = ${creator}, owned_at = ${Number(owner.lastAuthAt)}, since = NULL, provisional = ${inserted}
      WHERE mailbox = ${mailbox}`
    return { mailboxes: inserted ? 1 : 0, unownedMailboxes: inserted ? 0 : -1, provisionalMailboxes: inserted ? 1 : 0 }
  })
  totals.moved(moved)
}

/** Every mailbox with owner facts, a page at a time in mailbox order (a purge meanwhile does not disturb the walk). */
export async function * owners (parts: PgParts): AsyncGenerator<[string, MailboxOwner]> {
  let after = ''
  for (;;) {
    const rows = await parts.db.run(async (sql) => await sql<Array<{ mailbox: string, owner: Uint8Array }>>`
      SELECT mailbox, owner FROM mailboxes WHERE owner IS NOT NULL AND mailbox > ${after} ORDER BY mailbox LIMIT ${OWNER_PAGE}`)
    for (const r of rows) yield [r.mailbox, MailboxOwner.decode(r.owner)]
    if (rows.length < OWNER_PAGE) return
    after = rows[rows.length - 1].mailbox
  }
}

/** Provisional owned mailboxes whose owner first authenticated at or before `before`, oldest first. */
export async function provisionalBefore (parts: PgParts, before: number): Promise<string[]> {
  const rows = await parts.db.run(async (sql) => await sql<Array<{ mailbox: string }>>`
    SELECT mailbox FROM mailboxes WHERE provisional AND owned_at <= ${before} ORDER BY owned_at LIMIT 10000`)
  return rows.map((r) => r.mailbox)
}

/** The oldest unowned mailboxes (eviction order), at most `limit`. */
export async function oldestUnowned (parts: PgParts, limit: number, except?: string): Promise<string[]> {
  const rows = await parts.db.run(async (sql) => await sql<Array<{ mailbox: string }>>`
    SELECT mailbox FROM mailboxes WHERE NOT owned AND mailbox <> ${except ?? ''} ORDER BY since LIMIT ${limit}`)
  return rows.map((r) => r.mailbox)
}

/** The oldest provisional mailbox other than `except`. */
export async function oldestProvisional (parts: PgParts, except: string): Promise<string | undefined> {
  const [row] = await parts.db.run(async (sql) => await sql<Array<{ mailbox: string }>>`
    SELECT mailbox FROM mailboxes WHERE provisional AND mailbox <> ${except} ORDER BY owned_at LIMIT 1`)
  return row?.mailbox
}
