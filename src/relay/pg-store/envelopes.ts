import type { AbortOptions } from '@libp2p/interface'
import type { FetchPage } from '../mailbox-store/types.js'
import type { Sql } from './db.js'
import { DAY_MS, dayOf, partitionName } from './partitions.js'
import { isEmptyUnowned, lockMailboxes, type PgParts } from './parts.js'

/** Rows deleted per statement by the expiry sweep in partitions not yet dropped. */
const EXPIRY_ROW_BATCH = 5000
/** A day's partition is dropped this long after its day ended (relay clocks differ a little: none still writes to it). */
export const PARTITION_DROP_GRACE_MS = 10 * 60_000

/** A cursor (16 hex digits, as the LevelDB store's) ↔ a seq. */
export const cursorOf = (seq: bigint | string): string => BigInt(seq).toString(16).padStart(16, '0')
const seqOfCursor = (cursor: string): string => cursor === '' ? '0' : BigInt(`0x${cursor}`).toString()

interface Removed { size: number, depositor: string }

/**
 * Applies the removal of envelopes from one mailbox (its row locked by the caller): counters,
 * the depositors' shares, and the row itself when an unowned mailbox is left empty.
 */
async function settleRemoved (parts: PgParts, tx: Sql, mailbox: string, removed: Removed[]): Promise<number> {
  if (removed.length === 0) return 0
  let bytes = 0
  const released = new Map<number, number>()
  for (const r of removed) {
    bytes += r.size
    const tag = Number(r.depositor)
    released.set(tag, (released.get(tag) ?? 0) + r.size)
  }
  const [row] = await tx<Array<{ owned: boolean, count: number, prekeys: number }>>`
    UPDATE mailboxes SET count = greatest(0, count - ${removed.length}), bytes = greatest(0, bytes - ${bytes}) WHERE mailbox = ${mailbox} RETURNING owned, count, prekeys`
  let forgotten = false
  if (row != null && isEmptyUnowned(row)) {
    await tx`DELETE FROM mailboxes WHERE mailbox = ${mailbox}`
    forgotten = true
  }
  await parts.shares.release(tx, released, 'bytes')
  return forgotten ? 1 : 0
}

/** Deletes envelopes by id in the caller's transaction (the mailbox's row locked); returns how many were held. */
async function removeByIds (parts: PgParts, tx: Sql, mailbox: string, ids: string[]): Promise<{ removed: number, bytes: number, forgotten: number }> {
  const removed = await tx<Array<Removed>>`
    WITH gone AS (DELETE FROM envelope_ids WHERE mailbox = ${mailbox} AND id = ANY(${ids}::text[]) RETURNING seq, day)
    DELETE FROM envelopes e USING gone g WHERE e.mailbox = ${mailbox} AND e.seq = g.seq AND e.day = g.day
    RETURNING length(e.body) AS size, e.depositor`
  const forgotten = await settleRemoved(parts, tx, mailbox, removed)
  return { removed: removed.length, bytes: removed.reduce((s, r) => s + r.size, 0), forgotten }
}

/** Deletes envelopes by id; returns how many were held. */
export async function ackIds (parts: PgParts, mailbox: string, ids: string[], options: AbortOptions = {}): Promise<number> {
  options.signal?.throwIfAborted()
  if (ids.length === 0) return 0
  const result = await parts.db.tx(async (tx) => {
    await lockMailboxes(tx, [mailbox])
    return await removeByIds(parts, tx, mailbox, ids)
  })
  parts.totals.moved({ totalEnvelopes: -result.removed, totalBytes: -result.bytes, mailboxes: -result.forgotten, unownedMailboxes: -result.forgotten })
  return result.removed
}

/**
 * One page of a mailbox in arrival order after `cursor`: at most `limit` envelopes and
 * `maxBytes` (but at least one). Expired envelopes are skipped; secret envelopes are deleted as
 * they are handed out, in the same transaction.
 */
export async function fetchPage (parts: PgParts, mailbox: string, cursor: string, limit: number, maxBytes: number, now: number, options: AbortOptions = {}): Promise<FetchPage> {
  options.signal?.throwIfAborted()
  const after = seqOfCursor(cursor)
  interface Meta { seq: string, day: number, size: number, secret: boolean, id: string }
  const metas = await parts.db.run(async (sql) => await sql<Meta[]>`
    SELECT seq, day, length(body) AS size, secret, id FROM envelopes
    WHERE mailbox = ${mailbox} AND seq > ${after}::bigint AND expires_at > ${now} ORDER BY seq LIMIT ${limit + 1}`)
  const chosen: Meta[] = []
  let bytes = 0
  for (const m of metas) {
    if (chosen.length >= limit || (chosen.length > 0 && bytes + m.size > maxBytes)) break
    chosen.push(m)
    bytes += m.size
  }
  const more = metas.length > chosen.length
  if (chosen.length === 0) return { envelopes: [], cursor, more }
  const seqs = chosen.map((m) => m.seq)
  const days = chosen.map((m) => m.day)
  const secretIds = chosen.filter((m) => m.secret).map((m) => m.id)
  const load = async (sql: Sql): Promise<Array<{ seq: string, body: Uint8Array }>> => await sql<Array<{ seq: string, body: Uint8Array }>>`
    SELECT e.seq, e.body FROM envelopes e JOIN unnest(${seqs}::bigint[], ${days}::integer[]) AS w(s, d) ON e.seq = w.s AND e.day = w.d
    WHERE e.mailbox = ${mailbox} ORDER BY e.seq`
  let rows: Array<{ seq: string, body: Uint8Array }>
  if (secretIds.length === 0) {
    rows = await parts.db.run(load)
  } else {
    // secret envelopes handed out go in the same transaction as the read
    const result = await parts.db.tx(async (tx) => {
      await lockMailboxes(tx, [mailbox])
      const read = await load(tx)
      const removed = await removeByIds(parts, tx, mailbox, secretIds)
      return { read, removed }
    })
    rows = result.read
    parts.totals.moved({ totalEnvelopes: -result.removed.removed, totalBytes: -result.removed.bytes })
  }
  return { envelopes: rows.map((r) => Uint8Array.from(r.body)), cursor: cursorOf(chosen[chosen.length - 1].seq), more }
}

/**
 * Deletes every envelope whose expiry is at or before `now`: a day's partition whose day ended
 * (with {@link PARTITION_DROP_GRACE_MS} to spare) is dropped whole — the counters, shares and
 * ids of its envelopes settled in the same transaction — and expired rows of the partitions
 * still in use are deleted in batches. Returns how many envelopes went.
 */
export async function deleteExpired (parts: PgParts, now: number, isOpen: () => boolean, options: AbortOptions = {}): Promise<number> {
  await parts.partitions.load()
  let total = 0
  const lastDroppable = dayOf(now - PARTITION_DROP_GRACE_MS) - 1
  for (const day of parts.partitions.days()) {
    if (day > lastDroppable || !isOpen()) break
    options.signal?.throwIfAborted()
    total += await dropDay(parts, day)
  }
  while (isOpen()) {
    options.signal?.throwIfAborted()
    const firstLive = Math.min(lastDroppable + 1, dayOf(now))
    const removed = await parts.db.tx(async (tx) => {
      const found = await tx<Array<{ mailbox: string, seq: string, day: number }>>`
        SELECT mailbox, seq, day FROM envelopes WHERE day >= ${firstLive} AND day <= ${dayOf(now)} AND expires_at <= ${now} LIMIT ${EXPIRY_ROW_BATCH}`
      if (found.length === 0) return { found: 0, deleted: 0 }
      // mailbox rows first, as every writer locks them (then the envelopes still there go)
      await lockMailboxes(tx, found.map((r) => r.mailbox))
      interface Gone { mailbox: string, size: number, depositor: string, id: string }
      const rows = await tx<Gone[]>`
        DELETE FROM envelopes e USING unnest(${found.map((r) => r.mailbox)}::text[], ${found.map((r) => r.seq)}::bigint[], ${found.map((r) => r.day)}::integer[]) AS w(m, s, d)
        WHERE e.mailbox = w.m AND e.seq = w.s AND e.day = w.d
        RETURNING e.mailbox, length(e.body) AS size, e.depositor, e.id`
      const byMailbox = new Map<string, Gone[]>()
      for (const r of rows) {
        const list = byMailbox.get(r.mailbox) ?? []
        list.push(r)
        byMailbox.set(r.mailbox, list)
      }
      for (const [mailbox, list] of byMailbox) {
        await tx`DELETE FROM envelope_ids WHERE mailbox = ${mailbox} AND id = ANY(${list.map((r) => r.id)}::text[])`
        await settleRemoved(parts, tx, mailbox, list)
      }
      return { found: found.length, deleted: rows.length }
    })
    total += removed.deleted
    if (removed.found < EXPIRY_ROW_BATCH) break
  }
  await parts.totals.refresh().catch(() => {})
  return total
}

/** Drops one day's partition, settling its envelopes' counters, shares and ids in the same transaction; returns how many it held. */
async function dropDay (parts: PgParts, day: number): Promise<number> {
  const name = partitionName(day)
  const held = await parts.db.tx(async (tx) => {
    const [exists] = await tx<Array<{ t: string | null }>>`SELECT to_regclass(${name}) AS t`
    if (exists?.t == null) return 0
    // deposits never reach a past day; acks and fetches wait for the drop
    await tx.unsafe(`LOCK TABLE ${name} IN ACCESS EXCLUSIVE MODE`)
    const byMailbox = await tx.unsafe<Array<{ mailbox: string, n: number, b: string }>>(`SELECT mailbox, count(*)::int AS n, sum(length(body)) AS b FROM ${name} GROUP BY mailbox`)
    const byDepositor = await tx.unsafe<Array<{ depositor: string, b: string }>>(`SELECT depositor, sum(length(body)) AS b FROM ${name} GROUP BY depositor`)
    const mailboxes = byMailbox.map((r) => r.mailbox)
    await lockMailboxes(tx, mailboxes)
    if (mailboxes.length > 0) {
      await tx`UPDATE mailboxes m SET count = greatest(0, m.count - g.n), bytes = greatest(0, m.bytes - g.b)
        FROM unnest(${mailboxes}::text[], ${byMailbox.map((r) => r.n)}::integer[], ${byMailbox.map((r) => r.b)}::bigint[]) AS g(mailbox, n, b) WHERE m.mailbox = g.mailbox`
      await tx`DELETE FROM mailboxes WHERE mailbox = ANY(${mailboxes}::text[]) AND NOT owned AND count = 0 AND prekeys = 0`
    }
    await parts.shares.release(tx, new Map(byDepositor.map((r) => [Number(r.depositor), Number(r.b)])), 'bytes')
    await tx`DELETE FROM envelope_ids WHERE day = ${day}`
    await parts.partitions.drop(tx, day)
    return byMailbox.reduce((s, r) => s + r.n, 0)
  })
  parts.partitions.forget(day)
  parts.log('dropped expired partition %s (%d envelopes, day ended %s)', name, held, new Date((day + 1) * DAY_MS).toISOString())
  return held
}

/**
 * Deletes a mailbox's envelopes, ids and prekeys and its row in the caller's transaction (the
 * row locked); returns the envelopes and bytes it held, and its row's share tags to release.
 */
export async function purgeLocked (parts: PgParts, tx: Sql, mailbox: string): Promise<{ envelopes: number, bytes: number }> {
  const removed = await tx<Removed[]>`DELETE FROM envelopes WHERE mailbox = ${mailbox} RETURNING length(body) AS size, depositor`
  await tx`DELETE FROM envelope_ids WHERE mailbox = ${mailbox}`
  await tx`DELETE FROM prekeys WHERE mailbox = ${mailbox}`
  await tx`DELETE FROM last_resort WHERE mailbox = ${mailbox}`
  const [row] = await tx<Array<{ prekey_tag: string | null, prekey_bytes: string, creator: string | null, owned: boolean }>>`
    DELETE FROM mailboxes WHERE mailbox = ${mailbox} RETURNING prekey_tag, prekey_bytes, creator, owned`
  const released = new Map<number, number>()
  let bytes = 0
  for (const r of removed) {
    bytes += r.size
    released.set(Number(r.depositor), (released.get(Number(r.depositor)) ?? 0) + r.size)
  }
  if (row?.prekey_tag != null) released.set(Number(row.prekey_tag), (released.get(Number(row.prekey_tag)) ?? 0) + Number(row.prekey_bytes))
  await parts.shares.release(tx, released, 'bytes')
  if (row?.owned === true && row.creator != null) await parts.shares.release(tx, new Map([[Number(row.creator), 1]]), 'owned')
  return { envelopes: removed.length, bytes: bytes + Number(row?.prekey_bytes ?? 0) }
}
