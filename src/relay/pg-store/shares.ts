import { StoredByteShares, decodeShareTag } from '../byte-shares.js'
import { DEFAULT_OWNED_MAILBOXES_PER_ADDRESS, DEFAULT_STORED_BYTES_PER_ADDRESS } from '../constants.js'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { NETWORK_LIMIT_FACTOR } from '../../net/rate-limiter.js'
import { QuotaExceededError } from '../errors.js'
import type { AddressKeys } from '../../net/remote-address.js'
import type { MailboxStoreLimits } from '../mailbox-store/types.js'
import type { Sql } from './db.js'

/** The epoch of every fleet tag: tags are the fleet's, not a process's, so any process releases what another counted. */
export const FLEET_EPOCH = 1

/** Rows of the `shares` table: stored bytes per address (0) and /48 (1), owned mailboxes per address (2) and /48 (3). */
export type ShareKind = 0 | 1 | 2 | 3
export type ShareMeasure = 'bytes' | 'owned'

const rowKey = (kind: number, bucket: number): string => `${kind}:${bucket}`

/**
 * The per-address shares of a fleet (stored bytes and owned mailboxes per depositing address and
 * IPv6 /48), held in the database so that every relay process sees the same counts. Tags are made
 * with the fleet's hash key (`parley_meta.share_key`) and epoch, so a tag stored with an envelope
 * by one process is released by whichever process deletes it. Rows are locked (`FOR UPDATE`,
 * sorted) by the transaction that checks them.
 */
export class FleetShares {
  private readonly tagger: StoredByteShares
  private readonly max: Record<ShareKind, number>

  constructor (key: Uint8Array, limits: MailboxStoreLimits) {
    const bytes = limits.storedBytesPerAddress ?? DEFAULT_STORED_BYTES_PER_ADDRESS
    const owned = limits.ownedMailboxesPerAddress ?? DEFAULT_OWNED_MAILBOXES_PER_ADDRESS
    this.tagger = new StoredByteShares(bytes, bytes * NETWORK_LIMIT_FACTOR, { epoch: FLEET_EPOCH, key })
    this.max = { 0: bytes, 1: bytes * NETWORK_LIMIT_FACTOR, 2: owned, 3: owned * NETWORK_LIMIT_FACTOR }
  }

  tagOf (keys: AddressKeys | undefined): number {
    return this.tagger.tagOf(keys)
  }

  /** The share rows a tag counts in, for one measure. */
  rows (tag: number, measure: ShareMeasure): Array<[ShareKind, number]> {
    const at = decodeShareTag(tag, FLEET_EPOCH)
    if (at == null) return []
    const base = measure === 'bytes' ? 0 : 2
    const out: Array<[ShareKind, number]> = [[base as ShareKind, at.address]]
    if (at.network != null) out.push([(base + 1) as ShareKind, at.network])
    return out
  }

  /** Locks (creating them at 0) and reads the rows of these tags, in a fixed order; the returned ledger checks and moves them. */
  async lock (tx: Sql, tags: Iterable<number>, measure: ShareMeasure): Promise<ShareLedger> {
    const wanted = new Map<string, [ShareKind, number]>()
    for (const tag of tags) for (const row of this.rows(tag, measure)) wanted.set(rowKey(row[0], row[1]), row)
    const ledger = new ShareLedger(this, measure)
    if (wanted.size === 0) return ledger
    const rows = [...wanted.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1])
    const kinds = rows.map((r) => r[0])
    const buckets = rows.map((r) => r[1])
    await tx`INSERT INTO shares (kind, bucket, amount) SELECT k, b, 0 FROM unnest(${kinds}::smallint[], ${buckets}::integer[]) AS t(k, b) ON CONFLICT DO NOTHING`
    const held = await tx<Array<{ kind: number, bucket: number, amount: string }>>`
      SELECT kind, bucket, amount FROM shares WHERE (kind, bucket) IN (SELECT * FROM unnest(${kinds}::smallint[], ${buckets}::integer[])) ORDER BY kind, bucket FOR UPDATE`
    for (const r of held) ledger.amounts.set(rowKey(r.kind, r.bucket), Number(r.amount))
    return ledger
  }

  /** Releases amounts (tag → amount) in one statement; tags of no fleet share are skipped. */
  async release (tx: Sql, amounts: Map<number, number>, measure: ShareMeasure): Promise<void> {
    const delta = new Map<string, number>()
    for (const [tag, amount] of amounts) {
      for (const [kind, bucket] of this.rows(tag, measure)) delta.set(rowKey(kind, bucket), (delta.get(rowKey(kind, bucket)) ?? 0) + amount)
    }
    if (delta.size === 0) return
    const keys = [...delta.keys()].sort()
    const kinds = keys.map((k) => Number(k.split(':')[0]))
    const buckets = keys.map((k) => Number(k.split(':')[1]))
    const amountsOut = keys.map((k) => delta.get(k) ?? 0)
    await tx`UPDATE shares s SET amount = greatest(0, s.amount - d.a) FROM unnest(${kinds}::smallint[], ${buckets}::integer[], ${amountsOut}::bigint[]) AS d(k, b, a) WHERE s.kind = d.k AND s.bucket = d.b`
  }

  limit (kind: ShareKind): number {
    return this.max[kind]
  }
}

/** Share rows locked by one transaction: checks in arrival order, then writes the new amounts. */
export class ShareLedger {
  readonly amounts = new Map<string, number>()
  private readonly dirty = new Set<string>()

  constructor (private readonly shares: FleetShares, private readonly measure: ShareMeasure) {}

  /** Which share `amount` more from `tag` would exceed, or undefined. */
  refusal (tag: number, amount: number): 'address' | 'network' | undefined {
    for (const [kind, bucket] of this.shares.rows(tag, this.measure)) {
      if ((this.amounts.get(rowKey(kind, bucket)) ?? 0) + amount > this.shares.limit(kind)) return kind % 2 === 0 ? 'address' : 'network'
    }
    return undefined
  }

  /** Why a first login from `creator` is refused by its owned-mailbox share (measure `owned`), or undefined. */
  ownedRefusal (creator: number): QuotaExceededError | undefined {
    const scope = this.refusal(creator, 1)
    if (scope == null) return undefined
    return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${scope === 'address' ? 'network address' : 'IPv6 /48 network'} has created its share of the mailboxes held here; try later`, scope === 'address' ? 'address_mailboxes' : 'network_mailboxes')
  }

  add (tag: number, amount: number): void {
    for (const [kind, bucket] of this.shares.rows(tag, this.measure)) {
      const key = rowKey(kind, bucket)
      this.amounts.set(key, Math.max(0, (this.amounts.get(key) ?? 0) + amount))
      this.dirty.add(key)
    }
  }

  /** Writes the amounts changed (the rows are locked by this transaction). */
  async save (tx: Sql): Promise<void> {
    if (this.dirty.size === 0) return
    const keys = [...this.dirty].sort()
    const kinds = keys.map((k) => Number(k.split(':')[0]))
    const buckets = keys.map((k) => Number(k.split(':')[1]))
    const values = keys.map((k) => this.amounts.get(k) ?? 0)
    await tx`UPDATE shares s SET amount = d.a FROM unnest(${kinds}::smallint[], ${buckets}::integer[], ${values}::bigint[]) AS d(k, b, a) WHERE s.kind = d.k AND s.bucket = d.b`
    this.dirty.clear()
  }
}
