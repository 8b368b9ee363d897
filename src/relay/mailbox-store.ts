import { Level } from 'level'
import { MailboxOwner, MailboxPrekey, StoredEnvelope } from '../wire/mailbox.js'
import { Envelope } from '../wire/parley.js'
import { MailboxErrorCode } from '../net/mailbox-codec.js'
import { QuotaExceededError, RelayRefusal } from './errors.js'
import { KeyedMutex } from '../mutex.js'
import { HeldIdFilter } from './held-id-filter.js'
import { StoredByteShares } from './byte-shares.js'
import { DEFAULT_STORED_BYTES_PER_ADDRESS } from './constants.js'
import { UnownedMailboxes, type UnownedLimits } from './unowned-mailboxes.js'
import type { AddressKeys } from './remote-address.js'

export { MailboxOwner, MailboxPrekey }

/** Limits the store enforces on every write. */
export interface MailboxStoreLimits {
  mailboxMaxEnvelopes: number
  mailboxMaxBytes: number
  storageMaxBytes: number
  maxMailboxes: number
  maxPrekeysPerMailbox: number
  /** Size of the held-id Bloom filter in bits (a power of two). @default HeldIdFilter.bitsFor(storageMaxBytes) */
  idFilterBits?: number
  /** Envelope bytes one depositing address may have stored (an IPv6 /48: 8 ×). @default DEFAULT_STORED_BYTES_PER_ADDRESS */
  storedBytesPerAddress?: number
  /** Quotas of mailboxes no owner has authenticated (the relay config sets them); each absent one is the owned mailboxes' own. */
  maxUnownedMailboxes?: number
  unownedMailboxMaxBytes?: number
  unownedMailboxMaxEnvelopes?: number
}

/** What the store reports beyond its return values (metrics). */
export interface MailboxStoreEvents {
  /** Unowned mailboxes purged to make room for an owner's deposit or a new owner. */
  onUnownedEvicted?: (mailboxes: number) => void
}

interface MailboxStats {
  count: number
  bytes: number
  prekeys: number
  /** An owner has authenticated (its counters stay while the mailbox is empty). Absent in stats written before. */
  owned?: boolean
  /** Unowned: when its first envelope was stored (eviction order across restarts). */
  since?: number
}

export interface DepositInput {
  /** Hex of the recipient device key. */
  mailbox: string
  /** Hex of the envelope id. */
  id: string
  /** Envelope bytes, stored as received. */
  bytes: Uint8Array
  /** Effective expiry (ms). */
  expiresAt: number
  secret: boolean
  now: number
  /** The depositor's byte-share tag ({@link MailboxStore.depositorTag}); 0 or absent: counted in no share. */
  depositor?: number
}

interface QueuedDeposit {
  input: DepositInput
  resolve: (result: { duplicate: boolean }) => void
  reject: (err: Error) => void
}

/** LevelDB tables kept open by the mailbox database. */
const MAX_OPEN_TABLES = 64

/** The key layout this code writes (see `K`). */
export const MAILBOX_LAYOUT = 2

/** Layout-1 envelopes moved per batch when migrating at open: at most this many… */
const MIGRATION_BATCH = 2000
/** …and about this many bytes of envelopes. */
const MIGRATION_BATCH_BYTES = 16 * 1024 * 1024

/** Bodies read by a fetch before it knows their sizes. */
const FETCH_FIRST_CHUNK = 8

/** Most deposits written in one database batch. */
export const MAX_DEPOSIT_GROUP = 512

export interface FetchPage {
  envelopes: Uint8Array[]
  cursor: string
  more: boolean
}

export interface TakenPrekey {
  prekey: MailboxPrekey
  lastResort: boolean
}

const enc = new TextEncoder()
const dec = new TextDecoder()
/**
 * The value of list and expiry-index entries, whose key says it all. Never zero-length:
 * classic-level 3.0 copies each value into a `new char[size]` and frees it only when the size is
 * non-zero, so every empty value written leaks a small heap chunk (two per deposit grew the relay
 * by ~90 MB per million deposits, deleted or not).
 */
const PRESENT = Uint8Array.of(1)
const KINDS = [MailboxPrekey.Kind.X25519, MailboxPrekey.Kind.ML_KEM]

const seqKey = (n: number): string => n.toString(16).padStart(16, '0')
const timeKey = (ms: number): string => Math.max(0, Math.min(ms, 0xffffffffffff)).toString(16).padStart(12, '0')

/**
 * Keys (utf8), layout 2: `b!<seq>` envelope body (StoredEnvelope) by relay-wide arrival order,
 * `m!<mbox>!<seq>` the mailbox's list, `i!<mbox>!<id>` → seq (dedup, ack by id),
 * `x!<expiry>!<mbox>!<seq>` expiry index, `o!<mbox>` owner facts, `s!<mbox>` counters,
 * `p!<mbox>!<kind>!<id>` one-time prekey, `l!<mbox>!<kind>` last-resort prekey, `v!layout` the
 * layout version. `<mbox>` is the hex device key; nothing in a key is secret or plaintext.
 *
 * Bodies are keyed by arrival alone so that LevelDB appends them: their tables move down the
 * levels without being rewritten, and compaction only merges the small index keys (layout 1 kept
 * bodies under `e!<mbox>!<seq>`, spread over every mailbox, and rewrote them at every level).
 */
const K = {
  body: (seq: string) => `b!${seq}`,
  listed: (m: string, seq: string) => `m!${m}!${seq}`,
  listPrefix: (m: string) => `m!${m}!`,
  /** Layout 1's envelope key prefix (migrated at open). */
  legacyEnvelopes: 'e!',
  layout: 'v!layout',
  id: (m: string, id: string) => `i!${m}!${id}`,
  idPrefix: (m: string) => `i!${m}!`,
  exp: (at: number, m: string, seq: string) => `x!${timeKey(at)}!${m}!${seq}`,
  owner: (m: string) => `o!${m}`,
  stats: (m: string) => `s!${m}`,
  prekey: (m: string, kind: string, id: number) => `p!${m}!${kind}!${id.toString(16).padStart(8, '0')}`,
  prekeyPrefix: (m: string, kind?: string) => kind == null ? `p!${m}!` : `p!${m}!${kind}!`,
  lastResort: (m: string, kind: string) => `l!${m}!${kind}`,
  lastResortPrefix: (m: string) => `l!${m}!`
}

/** Upper bound of a key prefix range. */
const end = (prefix: string): string => prefix + '\xff'

/**
 * The relay's persistent mailboxes on a `level` (classic-level) database: envelopes by arrival
 * order, dedup by id, an expiry index, owner facts and one-time prekeys, with per-mailbox and
 * global quotas. Every mailbox's writes are serialised.
 *
 * @example
 * ```ts
 * const store = new MailboxStore(join(dataDir, 'mailboxes'), limits)
 * await store.open()
 * await store.deposit({ mailbox, id, bytes, expiresAt, secret: false, now: Date.now() })
 * const page = await store.fetch(mailbox, '', 100, Date.now())
 * ```
 */
export class MailboxStore {
  private readonly db: Level<string, Uint8Array>
  private readonly mutex = new KeyedMutex()
  private readonly stats = new Map<string, MailboxStats>()
  private readonly depositQueue: QueuedDeposit[] = []
  private committing = false
  private readonly commitWaiters: Array<() => void> = []
  private lastSeq = 0
  private opened = false
  /** Which id keys are surely not held (skips the duplicate lookup); `undefined` until open. */
  private idFilter: HeldIdFilter | undefined
  /** A filter being rebuilt from the database; new ids go to both until it replaces the old. */
  private nextIdFilter: HeldIdFilter | undefined
  private rebuilding: Promise<void> | undefined
  /** `idFilter.added` at which it is rebuilt: past its capacity, and twice what a rebuild found. */
  private idFilterRebuildAt = 0
  private rebuilds = 0
  /** Stored bytes per depositing address (in memory, per process lifetime). */
  private readonly shares: StoredByteShares
  /** Mailboxes no owner has authenticated, oldest first. */
  private readonly unowned: UnownedMailboxes
  /** Totals over all mailboxes. */
  totalEnvelopes = 0
  totalBytes = 0

  constructor (readonly location: string, private readonly limits: MailboxStoreLimits, private readonly events: MailboxStoreEvents = {}) {
    this.shares = new StoredByteShares(limits.storedBytesPerAddress ?? DEFAULT_STORED_BYTES_PER_ADDRESS)
    // without unowned quotas of their own (a bare store), unowned mailboxes get the owned ones
    const unownedLimits: UnownedLimits = {
      maxUnownedMailboxes: limits.maxUnownedMailboxes ?? limits.maxMailboxes,
      unownedMailboxMaxBytes: limits.unownedMailboxMaxBytes ?? limits.mailboxMaxBytes,
      unownedMailboxMaxEnvelopes: limits.unownedMailboxMaxEnvelopes ?? limits.mailboxMaxEnvelopes
    }
    this.unowned = new UnownedMailboxes(unownedLimits)
    // At most MAX_OPEN_TABLES tables (and their index blocks and mappings) stay open: with a
    // million envelopes held the default of 1,000 costs ~90 MB of resident memory. No Snappy:
    // envelopes are ciphertext. A 16 MiB write buffer (default 4) means a quarter of the
    // memtable flushes and fewer write stalls behind compactions (relay CPU per deposit
    // 117–126 → 96 µs in the bench, for ~25 MB more resident memory at most).
    this.db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view', maxOpenFiles: MAX_OPEN_TABLES, compression: false, writeBufferSize: 16 * 1024 * 1024 })
  }

  async open (): Promise<void> {
    await this.db.open()
    this.opened = true
    await this.migrateLayout()
    for await (const [key, value] of this.db.iterator({ gte: 's!', lt: end('s!') })) {
      const s = JSON.parse(dec.decode(value)) as MailboxStats
      this.stats.set(key.slice(2), s)
      this.totalEnvelopes += s.count
      this.totalBytes += s.bytes
    }
    // owners' counters stay while their mailbox is empty; stats written before that (or dropped
    // when an owned mailbox emptied) learn it from the owner facts
    for await (const key of this.db.keys({ gte: 'o!', lt: end('o!') })) {
      const mailbox = key.slice(2)
      this.stats.set(mailbox, { ...this.statsOf(mailbox), owned: true })
    }
    const unowned = [...this.stats].filter(([, s]) => s.owned !== true).sort(([, a], [, b]) => (a.since ?? 0) - (b.since ?? 0))
    for (const [mailbox] of unowned) this.unowned.add(mailbox)
    this.lastSeq = await this.highestBodySeq()
    const filter = await this.scanIdFilter()
    if (filter != null) this.setIdFilter(filter)
  }

  /**
   * Moves layout-1 envelopes (`e!<mbox>!<seq>` → body) to layout 2 (`b!<seq>` body plus
   * `m!<mbox>!<seq>`), a batch at a time; each batch is atomic, so a crash midway resumes at the
   * next open. Layout 1's seqs were unique per mailbox and, but for a clock stepped back across
   * a restart, relay-wide: an envelope whose seq is already taken by another mailbox's body gets
   * a fresh one (its id and expiry index entries are rewritten; it moves to the end of its list).
   */
  private async migrateLayout (): Promise<void> {
    const stored = await this.db.get(K.layout)
    const layout = stored === undefined ? 1 : Number(dec.decode(stored))
    if (!Number.isInteger(layout) || layout < 1) throw new Error(`Mailbox database has an unreadable layout marker (${JSON.stringify(stored === undefined ? '' : dec.decode(stored))})`)
    if (layout > MAILBOX_LAYOUT) throw new Error(`Mailbox database has layout ${layout}; this relay reads up to ${MAILBOX_LAYOUT} (newer relay version?)`)
    if (layout === MAILBOX_LAYOUT) return
    let freshSeq = Math.max(Date.now() * 1000, await this.highestBodySeq())
    let after: string | undefined
    for (;;) {
      // resume after the last key moved: the moved keys' tombstones are not scanned again
      const range = after === undefined ? { gte: K.legacyEnvelopes } : { gt: after }
      const entries: Array<[string, Uint8Array]> = []
      let bytes = 0
      for await (const entry of this.db.iterator({ ...range, lt: end(K.legacyEnvelopes), limit: MIGRATION_BATCH })) {
        entries.push(entry)
        bytes += entry[1].length
        if (bytes >= MIGRATION_BATCH_BYTES) break
      }
      if (entries.length === 0) break
      after = entries[entries.length - 1][0]
      const seqs = entries.map(([key]) => key.slice(key.lastIndexOf('!') + 1))
      const taken = new Set<string>()
      const existing = await this.db.getMany(seqs.map((seq) => K.body(seq)))
      existing.forEach((value, i) => { if (value !== undefined) taken.add(seqs[i]) })
      const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
      for (let i = 0; i < entries.length; i++) {
        const [key, value] = entries[i]
        const mailbox = key.slice(2, key.lastIndexOf('!'))
        let seq = seqs[i]
        if (taken.has(seq)) {
          // another mailbox's envelope already holds this seq: renumber this one
          do { seq = seqKey(++freshSeq) } while ((await this.db.get(K.body(seq))) !== undefined)
          const stored = StoredEnvelope.decode(value)
          const id = envelopeIdOf(stored.envelope)
          if (id != null) ops.push({ type: 'put', key: K.id(mailbox, id), value: enc.encode(seq) })
          ops.push({ type: 'del', key: K.exp(Number(stored.expiresAt), mailbox, seqs[i]) }, { type: 'put', key: K.exp(Number(stored.expiresAt), mailbox, seq), value: PRESENT })
        }
        taken.add(seq)
        ops.push({ type: 'put', key: K.body(seq), value }, { type: 'put', key: K.listed(mailbox, seq), value: PRESENT }, { type: 'del', key })
      }
      await this.db.batch(ops as any)
    }
    await this.db.put(K.layout, enc.encode(String(MAILBOX_LAYOUT)))
  }

  /** The seq of the newest body held (seqs are relay-wide), 0 when none. */
  private async highestBodySeq (): Promise<number> {
    const [newest] = await this.db.keys({ gte: 'b!', lt: end('b!'), reverse: true, limit: 1 }).all()
    return newest != null ? parseInt(newest.slice(2), 16) : 0
  }

  private idFilterBits (): number {
    return this.limits.idFilterBits ?? HeldIdFilter.bitsFor(this.limits.storageMaxBytes)
  }

  /** Times the held-id filter was rebuilt since open (tests, diagnostics). */
  get idFilterRebuilds (): number {
    return this.rebuilds
  }

  private setIdFilter (filter: HeldIdFilter): void {
    this.idFilter = filter
    this.idFilterRebuildAt = Math.max(filter.capacity, filter.added * 2)
  }

  /**
   * A filter holding every id key in the database, and every id committed while the scan runs
   * (commitGroup adds those to `nextIdFilter`; the scan's snapshot holds all committed before).
   * `undefined` when the store was closed meanwhile.
   */
  private async scanIdFilter (): Promise<HeldIdFilter | undefined> {
    const duringScan = new HeldIdFilter(this.idFilterBits())
    this.nextIdFilter = duringScan
    try {
      const scanned = new HeldIdFilter(this.idFilterBits())
      for await (const key of this.db.keys({ gte: 'i!', lt: end('i!') })) {
        if (!this.opened) return undefined
        scanned.add(key)
      }
      return HeldIdFilter.union(scanned, duringScan)
    } finally {
      this.nextIdFilter = undefined
    }
  }

  /** Replaces a saturated filter (deleted ids leave their bits set) with one rebuilt from the database. */
  private rebuildIdFilter (): void {
    if (this.rebuilding != null) return
    this.rebuilding = (async () => {
      try {
        const filter = await this.scanIdFilter()
        if (filter == null) return
        this.setIdFilter(filter)
        this.rebuilds++
      } catch (err) {
        // keep the old filter (still correct, only less selective) and try again much later
        const filter = this.idFilter
        if (filter != null) this.idFilterRebuildAt = filter.added + filter.capacity
        throw err
      } finally {
        this.rebuilding = undefined
      }
    })()
    this.rebuilding.catch(() => {}) // the old filter stays in use; a later commit tries again
  }

  /** Waits for writes in flight (queued deposits included), then closes the database. */
  async close (): Promise<void> {
    if (!this.opened) return
    this.opened = false
    if (this.committing) await new Promise<void>((resolve) => { this.commitWaiters.push(resolve) })
    await this.mutex.idle()
    await this.rebuilding?.catch(() => {})
    await this.db.close()
  }

  /** Mailboxes known (with envelopes, prekeys or an owner). */
  get mailboxes (): number { return this.stats.size }

  /** Mailboxes held that no owner has authenticated. */
  get unownedMailboxes (): number { return this.unowned.size }

  /** Whether an owner has ever authenticated this mailbox (and it was not purged since). */
  isOwned (mailbox: string): boolean {
    return this.stats.get(mailbox)?.owned === true
  }

  /** The byte-share tag of a depositor's address keys, for {@link DepositInput.depositor} (compute once per connection). */
  depositorTag (keys: AddressKeys | undefined): number {
    return this.shares.tagOf(keys)
  }

  /** Bytes stored under a depositor tag's address share (tests, diagnostics). */
  storedBy (depositor: number): number {
    return this.shares.heldBy(depositor)
  }

  private nextSeq (now: number): string {
    this.lastSeq = Math.max(this.lastSeq + 1, now * 1000)
    return seqKey(this.lastSeq)
  }

  private statsOf (mailbox: string): MailboxStats {
    return this.stats.get(mailbox) ?? { count: 0, bytes: 0, prekeys: 0 }
  }

  private saveStats (mailbox: string, s: MailboxStats, ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }>, keep: boolean): void {
    if (!keep && s.owned !== true && s.count === 0 && s.prekeys === 0) {
      this.stats.delete(mailbox)
      this.unowned.delete(mailbox)
      ops.push({ type: 'del', key: K.stats(mailbox) })
    } else {
      this.stats.set(mailbox, s)
      ops.push({ type: 'put', key: K.stats(mailbox), value: enc.encode(JSON.stringify(s)) })
    }
  }

  /**
   * Stores an envelope; `duplicate` when one with the same id is already held. Throws quota
   * refusals. Deposits are group-committed: those arriving while a write is under way go to the
   * database together in the next batch (one id lookup, one write for up to
   * {@link MAX_DEPOSIT_GROUP}), each still checked in arrival order against its mailbox's and the
   * relay's quotas. The server bounds how many can wait (streams × requests per stream).
   */
  async deposit (input: DepositInput): Promise<{ duplicate: boolean }> {
    try {
      return await this.enqueueDeposit(input)
    } catch (err) {
      // an owner's mailbox finds the relay full: unowned mailboxes go first, then it retries once
      if (!(err instanceof QuotaExceededError && err.quota === 'storage' && this.isOwned(input.mailbox) && this.unowned.size > 0)) throw err
      if (await this.evictUnowned(input.bytes.length) === 0) throw err
      return await this.enqueueDeposit(input)
    }
  }

  private async enqueueDeposit (input: DepositInput): Promise<{ duplicate: boolean }> {
    if (!this.opened) throw new RelayRefusal(MailboxErrorCode.SHUTTING_DOWN, 'Relay is shutting down (mailbox store closed)')
    const { promise, resolve, reject } = Promise.withResolvers<{ duplicate: boolean }>()
    this.depositQueue.push({ input, resolve, reject })
    if (!this.committing) void this.commitDeposits()
    return await promise
  }

  /**
   * Purges unowned mailboxes, oldest first, until `bytes` more fit under the storage cap with
   * 1/64 of it to spare (so that a full relay does not evict at every deposit); returns how many.
   */
  private async evictUnowned (bytes: number): Promise<number> {
    const target = this.limits.storageMaxBytes - Math.floor(this.limits.storageMaxBytes / 64) - bytes
    let evicted = 0
    for (const mailbox of this.unowned.oldestFirst()) {
      if (this.totalBytes <= target || !this.opened) break
      if (await this.purgeMailbox(mailbox, { onlyUnowned: true }) !== undefined) evicted++
    }
    if (evicted > 0) this.events.onUnownedEvicted?.(evicted)
    return evicted
  }

  private async commitDeposits (): Promise<void> {
    this.committing = true
    try {
      // let deposits decoded in this turn join the first group
      await new Promise<void>((resolve) => { setImmediate(resolve) })
      while (this.depositQueue.length > 0) {
        const group = this.depositQueue.splice(0, MAX_DEPOSIT_GROUP)
        try {
          const results = await this.mutex.runMany(group.map((d) => d.input.mailbox), async () => await this.commitGroup(group.map((d) => d.input)))
          results.forEach((r, i) => { if (r instanceof Error) group[i].reject(r); else group[i].resolve(r) })
        } catch (err) {
          for (const d of group) d.reject(err as Error)
        }
      }
    } finally {
      this.committing = false
      for (const wake of this.commitWaiters.splice(0)) wake()
    }
  }

  /** Checks and writes one group of deposits in one batch; runs holding every mailbox of the group. */
  private async commitGroup (inputs: DepositInput[]): Promise<Array<{ duplicate: boolean } | QuotaExceededError>> {
    const idKeys = inputs.map((d) => K.id(d.mailbox, d.id))
    const held = await this.lookUpHeld(idKeys)
    const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
    const changed = new Map<string, MailboxStats>()
    const taken = new Set<string>()
    /** Share bytes counted in this group, released again if the batch fails. */
    const counted: Array<[number, number]> = []
    let created = 0
    let addedBytes = 0
    let addedCount = 0
    const results = inputs.map((input, i): { duplicate: boolean } | QuotaExceededError => {
      if (held[i] !== undefined || taken.has(idKeys[i])) return { duplicate: true }
      const known = this.stats.has(input.mailbox) || changed.has(input.mailbox)
      const s = changed.get(input.mailbox) ?? this.statsOf(input.mailbox)
      const size = input.bytes.length
      if (!known && this.stats.size + created >= this.limits.maxMailboxes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
      if (s.owned !== true) {
        const refusal = this.unowned.refusal(s, size, !known, created)
        if (refusal != null) return refusal
      }
      if (s.count + 1 > this.limits.mailboxMaxEnvelopes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox holds ${s.count} envelopes (limit ${this.limits.mailboxMaxEnvelopes})`, 'mailbox_envelopes')
      if (s.bytes + size > this.limits.mailboxMaxBytes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox byte quota (${this.limits.mailboxMaxBytes}) exceeded`, 'mailbox_bytes')
      const depositor = input.depositor ?? 0
      const share = this.shares.refusal(depositor, size)
      if (share != null) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${share === 'address' ? 'network address' : 'IPv6 /48 network'} holds its share of the relay's storage; try later`, share === 'address' ? 'address_storage' : 'network_storage')
      if (this.totalBytes + addedBytes + size > this.limits.storageMaxBytes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay storage is full', 'storage')
      this.shares.add(depositor, size)
      counted.push([depositor, size])
      if (!known) created++
      const seq = this.nextSeq(input.now)
      const stored = StoredEnvelope.encode({ envelope: input.bytes, storedAt: BigInt(input.now), expiresAt: BigInt(input.expiresAt), secret: input.secret, depositor: BigInt(depositor) })
      ops.push(
        { type: 'put', key: K.body(seq), value: stored },
        { type: 'put', key: K.listed(input.mailbox, seq), value: PRESENT },
        { type: 'put', key: idKeys[i], value: enc.encode(seq) },
        { type: 'put', key: K.exp(input.expiresAt, input.mailbox, seq), value: PRESENT }
      )
      changed.set(input.mailbox, known ? { ...s, count: s.count + 1, bytes: s.bytes + size } : { ...s, count: 1, bytes: size, since: input.now })
      taken.add(idKeys[i])
      addedBytes += size
      addedCount++
      return { duplicate: false }
    })
    if (ops.length === 0) return results
    for (const [mailbox, s] of changed) ops.push({ type: 'put', key: K.stats(mailbox), value: enc.encode(JSON.stringify(s)) })
    try {
      await this.db.batch(ops as any)
    } catch (err) {
      for (const [depositor, size] of counted) this.shares.remove(depositor, size)
      throw err
    }
    for (const key of taken) {
      this.idFilter?.add(key)
      this.nextIdFilter?.add(key)
    }
    if (this.idFilter != null && this.idFilter.added >= this.idFilterRebuildAt) this.rebuildIdFilter()
    // counters move only once the batch is on disk
    for (const [mailbox, s] of changed) {
      this.stats.set(mailbox, s)
      if (s.owned !== true) this.unowned.add(mailbox) // kept in place when already there
    }
    this.totalEnvelopes += addedCount
    this.totalBytes += addedBytes
    return results
  }

  /** The stored value of each id key, read from the database only for keys the filter might hold. */
  private async lookUpHeld (idKeys: string[]): Promise<Array<Uint8Array | undefined>> {
    const filter = this.idFilter
    if (filter == null) return await this.db.getMany(idKeys)
    const maybe: number[] = []
    idKeys.forEach((key, i) => { if (filter.mightHold(key)) maybe.push(i) })
    const held = new Array<Uint8Array | undefined>(idKeys.length).fill(undefined)
    if (maybe.length === 0) return held
    const values = await this.db.getMany(maybe.map((i) => idKeys[i]))
    maybe.forEach((at, j) => { held[at] = values[j] })
    return held
  }

  /**
   * Removes envelopes by (mailbox, seq), reading each body to learn its id and expiry. Every seq
   * must come from this mailbox's own list or indexes. Runs inside the mailbox lock.
   */
  private async removeLocked (mailbox: string, seqs: string[]): Promise<number> {
    if (seqs.length === 0) return 0
    const values = await this.db.getMany(seqs.map((seq) => K.body(seq)))
    const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
    const s = { ...this.statsOf(mailbox) }
    let removed = 0
    let bytes = 0
    const released: Array<[number, number]> = []
    seqs.forEach((seq, i) => {
      const value = values[i]
      if (value === undefined) return
      const stored = StoredEnvelope.decode(value)
      const id = envelopeIdOf(stored.envelope)
      ops.push({ type: 'del', key: K.body(seq) }, { type: 'del', key: K.listed(mailbox, seq) })
      if (id != null) ops.push({ type: 'del', key: K.id(mailbox, id) })
      ops.push({ type: 'del', key: K.exp(Number(stored.expiresAt), mailbox, seq) })
      removed++
      bytes += stored.envelope.length
      released.push([Number(stored.depositor), stored.envelope.length])
    })
    if (removed === 0) return 0
    s.count = Math.max(0, s.count - removed)
    s.bytes = Math.max(0, s.bytes - bytes)
    this.saveStats(mailbox, s, ops, false)
    await this.db.batch(ops as any)
    for (const [depositor, size] of released) this.shares.remove(depositor, size)
    this.totalEnvelopes = Math.max(0, this.totalEnvelopes - removed)
    this.totalBytes = Math.max(0, this.totalBytes - bytes)
    return removed
  }

  /**
   * One page of a mailbox in arrival order after `cursor`. Expired envelopes are skipped;
   * secret envelopes are deleted as they are handed out (held only until first fetch).
   */
  async fetch (mailbox: string, cursor: string, limit: number, maxBytes: number, now: number): Promise<FetchPage> {
    return this.mutex.run(mailbox, async () => {
      const envelopes: Uint8Array[] = []
      const secretSeqs: string[] = []
      let bytes = 0
      let last = cursor
      let more = false
      let listEnd = false
      let largest = 0
      while (!more && !listEnd) {
        // the next listed seqs, then their bodies: at first a few, then as many as the byte budget
        // left allows at the largest size seen (one more than still wanted tells whether more
        // remain), so that a page of large envelopes never reads many more bodies than it returns
        const wanted = limit - envelopes.length + 1
        const chunk = Math.min(wanted, largest === 0 ? FETCH_FIRST_CHUNK : Math.max(1, Math.floor((maxBytes - bytes) / largest)) + 1)
        const seqs: string[] = []
        const gt = last === '' ? K.listPrefix(mailbox) : K.listed(mailbox, last)
        for await (const key of this.db.keys({ gt, lt: end(K.listPrefix(mailbox)), limit: chunk })) seqs.push(key.slice(key.lastIndexOf('!') + 1))
        listEnd = seqs.length < chunk
        if (seqs.length === 0) break
        const bodies = await this.db.getMany(seqs.map((seq) => K.body(seq)))
        for (let i = 0; i < seqs.length; i++) {
          const value = bodies[i]
          // listed without a body: only after a failed write outside a batch, which the store never does
          if (value === undefined) { last = seqs[i]; continue }
          const stored = StoredEnvelope.decode(value)
          largest = Math.max(largest, stored.envelope.length)
          if (envelopes.length >= limit || (envelopes.length > 0 && bytes + stored.envelope.length > maxBytes)) { more = true; break }
          last = seqs[i]
          if (Number(stored.expiresAt) <= now) continue
          envelopes.push(stored.envelope)
          bytes += stored.envelope.length
          if (stored.secret) secretSeqs.push(last)
        }
      }
      await this.removeLocked(mailbox, secretSeqs)
      return { envelopes, cursor: last, more }
    })
  }

  /** Deletes envelopes by id; returns how many were held. */
  async ack (mailbox: string, ids: string[]): Promise<number> {
    return this.mutex.run(mailbox, async () => {
      const seqs = await this.db.getMany(ids.map((id) => K.id(mailbox, id)))
      return this.removeLocked(mailbox, seqs.filter((v): v is Uint8Array => v !== undefined).map((v) => dec.decode(v)))
    })
  }

  /** Envelopes held for a mailbox. */
  count (mailbox: string): number {
    return this.stats.get(mailbox)?.count ?? 0
  }

  prekeyCount (mailbox: string): number {
    return this.stats.get(mailbox)?.prekeys ?? 0
  }

  /** Deletes every envelope whose effective expiry is at or before `now`; returns how many. */
  async deleteExpired (now: number, options: { signal?: AbortSignal } = {}): Promise<number> {
    let total = 0
    while (this.opened) {
      const byMailbox = new Map<string, string[]>()
      const keys: string[] = []
      for await (const key of this.db.keys({ gte: 'x!', lt: `x!${timeKey(now + 1)}`, limit: 5000 })) {
        const [, , mailbox, seq] = key.split('!')
        let list = byMailbox.get(mailbox)
        if (list == null) { list = []; byMailbox.set(mailbox, list) }
        list.push(seq)
        keys.push(key)
      }
      if (keys.length === 0) break
      for (const [mailbox, seqs] of byMailbox) {
        options.signal?.throwIfAborted()
        total += await this.mutex.run(mailbox, async () => this.removeLocked(mailbox, seqs))
      }
      // index entries whose envelope was already gone (acked or purged meanwhile) go too
      await this.db.batch(keys.map((key) => ({ type: 'del' as const, key })))
    }
    return total
  }

  /**
   * Deletes a mailbox entirely: envelopes, indexes, owner facts and prekeys; returns how many
   * envelopes it held. With `onlyUnowned` (eviction), nothing happens and it returns undefined
   * when the mailbox is owned (its owner authenticated meanwhile) or already gone.
   */
  async purgeMailbox (mailbox: string, options: { onlyUnowned?: boolean } = {}): Promise<number | undefined> {
    return this.mutex.run(mailbox, async () => {
      if (options.onlyUnowned === true && !this.unowned.has(mailbox)) return undefined
      const seqs: string[] = []
      for await (const key of this.db.keys({ gte: K.listPrefix(mailbox), lt: end(K.listPrefix(mailbox)) })) seqs.push(key.slice(key.lastIndexOf('!') + 1))
      const removed = await this.removeLocked(mailbox, seqs)
      await this.db.clear({ gte: K.listPrefix(mailbox), lt: end(K.listPrefix(mailbox)) })
      await this.db.clear({ gte: K.prekeyPrefix(mailbox), lt: end(K.prekeyPrefix(mailbox)) })
      await this.db.clear({ gte: K.lastResortPrefix(mailbox), lt: end(K.lastResortPrefix(mailbox)) })
      await this.db.clear({ gte: K.idPrefix(mailbox), lt: end(K.idPrefix(mailbox)) })
      await this.db.batch([{ type: 'del', key: K.owner(mailbox) }, { type: 'del', key: K.stats(mailbox) }])
      const s = this.stats.get(mailbox)
      if (s != null) {
        this.totalEnvelopes = Math.max(0, this.totalEnvelopes - s.count)
        this.totalBytes = Math.max(0, this.totalBytes - s.bytes)
      }
      this.stats.delete(mailbox)
      this.unowned.delete(mailbox)
      return removed
    })
  }

  async getOwner (mailbox: string): Promise<MailboxOwner | undefined> {
    const value = await this.db.get(K.owner(mailbox))
    return value === undefined ? undefined : MailboxOwner.decode(value)
  }

  async setOwner (mailbox: string, owner: MailboxOwner): Promise<void> {
    // a new owner finds the relay's mailbox count reached: the oldest unowned mailbox goes
    if (!this.stats.has(mailbox) && this.stats.size >= this.limits.maxMailboxes) {
      const oldest = this.unowned.oldest()
      if (oldest !== undefined && await this.purgeMailbox(oldest, { onlyUnowned: true }) !== undefined) this.events.onUnownedEvicted?.(1)
    }
    await this.mutex.run(mailbox, async () => {
      const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = [{ type: 'put', key: K.owner(mailbox), value: MailboxOwner.encode(owner) }]
      const s = this.stats.get(mailbox)
      if (s == null && this.stats.size >= this.limits.maxMailboxes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
      if (s?.owned !== true) {
        const owned = { ...this.statsOf(mailbox), owned: true }
        delete owned.since
        this.saveStats(mailbox, owned, ops, true)
      }
      await this.db.batch(ops as any)
      this.unowned.delete(mailbox)
    })
  }

  /** Every mailbox with owner facts, for the inactivity sweep. */
  async * owners (): AsyncGenerator<[string, MailboxOwner]> {
    for await (const [key, value] of this.db.iterator({ gte: 'o!', lt: end('o!') })) yield [key.slice(2), MailboxOwner.decode(value)]
  }

  /** Stores one-time prekeys (and last-resort keys, one per kind); returns the one-time count held. */
  async putPrekeys (mailbox: string, oneTime: MailboxPrekey[], lastResort: MailboxPrekey[], replace: boolean): Promise<number> {
    return this.mutex.run(mailbox, async () => {
      const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
      const s = { ...this.statsOf(mailbox) }
      if (replace) {
        await this.db.clear({ gte: K.prekeyPrefix(mailbox), lt: end(K.prekeyPrefix(mailbox)) })
        s.prekeys = 0
      }
      const keys = oneTime.map((p) => K.prekey(mailbox, p.kind, p.id))
      const existing = await this.db.getMany(keys)
      const fresh = new Set<string>()
      keys.forEach((key, i) => { if (existing[i] === undefined) fresh.add(key) })
      if (s.prekeys + fresh.size > this.limits.maxPrekeysPerMailbox) {
        throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${this.limits.maxPrekeysPerMailbox} one-time prekeys`, 'prekeys')
      }
      oneTime.forEach((p, i) => { ops.push({ type: 'put', key: keys[i], value: MailboxPrekey.encode(p) }) })
      for (const p of lastResort) ops.push({ type: 'put', key: K.lastResort(mailbox, p.kind), value: MailboxPrekey.encode(p) })
      s.prekeys += fresh.size
      this.saveStats(mailbox, s, ops, true)
      await this.db.batch(ops as any)
      return s.prekeys
    })
  }

  /**
   * One prekey per kind the mailbox has: a one-time key (deleted as it is handed out, so never
   * given twice), or the last-resort key when that kind's pool is empty or `oneTime` is false
   * (the mailbox's one-time budget is spent).
   */
  async takePrekeys (mailbox: string, options: { oneTime?: boolean } = {}): Promise<TakenPrekey[]> {
    return this.mutex.run(mailbox, async () => {
      const out: TakenPrekey[] = []
      const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
      let taken = 0
      for (const kind of KINDS) {
        let found = false
        const oneTime = options.oneTime === false ? [] : this.db.iterator({ gte: K.prekeyPrefix(mailbox, kind), lt: end(K.prekeyPrefix(mailbox, kind)), limit: 1 })
        for await (const [key, value] of oneTime) {
          out.push({ prekey: MailboxPrekey.decode(value), lastResort: false })
          ops.push({ type: 'del', key })
          taken++
          found = true
        }
        if (!found) {
          const last = await this.db.get(K.lastResort(mailbox, kind))
          if (last !== undefined) out.push({ prekey: MailboxPrekey.decode(last), lastResort: true })
        }
      }
      if (taken > 0) {
        const s = { ...this.statsOf(mailbox) }
        s.prekeys = Math.max(0, s.prekeys - taken)
        this.saveStats(mailbox, s, ops, true)
        await this.db.batch(ops as any)
      }
      return out
    })
  }
}

/** Hex id of an Envelope encoding (as stored: it was checked at deposit). */
export function envelopeIdOf (bytes: Uint8Array): string | undefined {
  try {
    let out = ''
    for (const b of Envelope.decode(bytes).id) out += b.toString(16).padStart(2, '0')
    return out
  } catch {
    return undefined
  }
}
