import { StoredByteShares } from '../byte-shares.js'
import { DEFAULT_OWNED_MAILBOXES_PER_ADDRESS, DEFAULT_STORED_BYTES_PER_ADDRESS } from '../constants.js'
import { K, dec, enc, end } from './keys.js'
import { UnownedMailboxes } from './unowned.js'
import type { BatchOp, MailboxDb, MailboxStoreLimits } from './types.js'

/** Counters of one mailbox, stored under `s!<mbox>` as JSON. */
export interface MailboxStats {
  count: number
  bytes: number
  prekeys: number
  /** An owner has authenticated (its counters stay while the mailbox is empty). Absent in stats written before. */
  owned?: boolean
  /** Unowned: when its first envelope was stored (eviction order across restarts). */
  since?: number
  /** Bytes of the prekeys it holds (one-time and last-resort, as stored). Absent in stats written before: counted at the next upload. */
  prekeyBytes?: number
  /** Byte-share tag of the address that uploaded its prekeys (their bytes count in its share). */
  prekeyTag?: number
  /** Owned: the share tag of the address whose login created it (it counts in that address's owned-mailbox share). */
  creator?: number
  /** Owned: when its owner first authenticated here. */
  ownedAt?: number
  /**
   * Owned, and nothing was ever deposited to it, and it holds no prekeys or its owner never
   * authenticated again: purged after `provisionalMailboxMs`, and first to go at `maxMailboxes`.
   */
  provisional?: boolean
  /** Its one-time prekey hand-out budget (token bucket), kept with the mailbox so that no churn elsewhere resets it. */
  prekeyBudget?: { tokens: number, at: number }
}

/**
 * What the store keeps in memory about its mailboxes: each one's counters, the totals, which
 * ones no owner has authenticated (oldest first) and the stored bytes per depositing address.
 * Counters move only once the write that changes them is on disk.
 */
export class MailboxCounters {
  readonly stats = new Map<string, MailboxStats>()
  /** Mailboxes no owner has authenticated, oldest first. */
  readonly unowned: UnownedMailboxes
  /** Stored bytes (envelopes and prekeys) per address that wrote them (in memory, per process lifetime). */
  readonly shares: StoredByteShares
  /** Owned mailboxes per address whose login created them (same tags as {@link shares}). */
  readonly ownedShares: StoredByteShares
  /** Provisional owned mailboxes (see {@link MailboxStats.provisional}), oldest first. */
  readonly provisional = new Set<string>()
  /** Totals over all mailboxes: envelopes, and the bytes of envelopes and prekeys. */
  totalEnvelopes = 0
  totalBytes = 0

  constructor (limits: MailboxStoreLimits) {
    this.shares = new StoredByteShares(limits.storedBytesPerAddress ?? DEFAULT_STORED_BYTES_PER_ADDRESS)
    this.ownedShares = this.shares.sibling(limits.ownedMailboxesPerAddress ?? DEFAULT_OWNED_MAILBOXES_PER_ADDRESS)
    // without unowned quotas of their own (a bare store), unowned mailboxes get the owned ones
    this.unowned = new UnownedMailboxes({
      maxUnownedMailboxes: limits.maxUnownedMailboxes ?? limits.maxMailboxes,
      unownedMailboxMaxBytes: limits.unownedMailboxMaxBytes ?? limits.mailboxMaxBytes,
      unownedMailboxMaxEnvelopes: limits.unownedMailboxMaxEnvelopes ?? limits.mailboxMaxEnvelopes
    })
  }

  /** Reads every mailbox's counters and owner marks at open. */
  async load (db: MailboxDb): Promise<void> {
    for await (const [key, value] of db.iterator({ gte: 's!', lt: end('s!') })) {
      const s = JSON.parse(dec.decode(value)) as MailboxStats
      this.stats.set(key.slice(2), s)
      this.totalEnvelopes += s.count
      this.totalBytes += s.bytes + (s.prekeyBytes ?? 0)
    }
    // owners' counters stay while their mailbox is empty; stats written before that (or dropped
    // when an owned mailbox emptied) learn it from the owner facts
    for await (const key of db.keys({ gte: 'o!', lt: end('o!') })) {
      const mailbox = key.slice(2)
      this.stats.set(mailbox, { ...this.of(mailbox), owned: true })
    }
    const unowned = [...this.stats].filter(([, s]) => s.owned !== true).sort(([, a], [, b]) => (a.since ?? 0) - (b.since ?? 0))
    for (const [mailbox] of unowned) this.unowned.add(mailbox)
    const provisional = [...this.stats].filter(([, s]) => s.owned === true && s.provisional === true).sort(([, a], [, b]) => (a.ownedAt ?? 0) - (b.ownedAt ?? 0))
    for (const [mailbox] of provisional) this.provisional.add(mailbox)
  }

  /** A mailbox's counters (zeros when unknown). */
  of (mailbox: string): MailboxStats {
    return this.stats.get(mailbox) ?? { count: 0, bytes: 0, prekeys: 0 }
  }

  isOwned (mailbox: string): boolean {
    return this.stats.get(mailbox)?.owned === true
  }

  /**
   * Sets a mailbox's counters and adds their write to `ops`; an unowned mailbox left with
   * nothing is forgotten unless `keep`.
   */
  save (mailbox: string, s: MailboxStats, ops: BatchOp[], keep: boolean): void {
    if (!keep && s.owned !== true && s.count === 0 && s.prekeys === 0) {
      this.stats.delete(mailbox)
      this.unowned.delete(mailbox)
      ops.push({ type: 'del', key: K.stats(mailbox) })
    } else {
      this.stats.set(mailbox, s)
      ops.push({ type: 'put', key: K.stats(mailbox), value: enc.encode(JSON.stringify(s)) })
    }
  }

  /** Envelopes removed (acked, expired, fetched secret). */
  removed (envelopes: number, bytes: number): void {
    this.totalEnvelopes = Math.max(0, this.totalEnvelopes - envelopes)
    this.totalBytes = Math.max(0, this.totalBytes - bytes)
  }

  /** A purged mailbox: its counters go, and what they still counted leaves the totals and shares. */
  forget (mailbox: string): void {
    const s = this.stats.get(mailbox)
    if (s != null) {
      this.removed(s.count, s.bytes + (s.prekeyBytes ?? 0))
      if (s.prekeyTag !== undefined) this.shares.remove(s.prekeyTag, s.prekeyBytes ?? 0)
      if (s.creator !== undefined) this.ownedShares.remove(s.creator, 1)
    }
    this.stats.delete(mailbox)
    this.unowned.delete(mailbox)
    this.provisional.delete(mailbox)
  }
}
