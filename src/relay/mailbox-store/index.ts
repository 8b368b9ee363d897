import type { AbortOptions, Logger } from '@libp2p/interface'
import { Level } from 'level'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { MailboxOwner } from '../../wire/relay-store.js'
import { QuotaExceededError } from '../errors.js'
import { HeldIdFilter } from '../held-id-filter.js'
import { KeyedMutex } from '../../mutex.js'
import { silentLogger } from '../logger.js'
import type { AddressKeys } from '../../net/remote-address.js'
import { MailboxCounters } from './counters.js'
import { DepositBatcher } from './deposit-batcher.js'
import { ackIds, deleteExpired, fetchPage, removeLocked } from './envelopes.js'
import { HeldIds } from './held-ids.js'
import { K, SeqClock, end, lastPart } from './keys.js'
import { highestBodySeq, migrateLayout } from './migrate-layout-1.js'
import { getOwner, ownedShareRefusal, owners, setOwner } from './owners.js'
import { putPrekeys, takePrekeys, type PrekeyUpload, type TakeOptions } from './prekey-pool.js'
import type { DepositInput, DepositResult, FetchPage, MailboxDb, MailboxStoreEvents, MailboxStoreLimits, PrekeyTake, StoreParts } from './types.js'
import type { MailboxState, MailboxStorage, StorageGauges, StorageHealth } from './storage.js'
import { DISK_RECOVERY_POLL_MS, WriteGate, hasRoomToReopen, type GateState } from './write-gate.js'
import { errorText } from '../logger.js'

export { MailboxOwner, MailboxPrekey }
export { MAILBOX_LAYOUT, envelopeIdOf } from './keys.js'
export { MAX_DEPOSIT_GROUP } from './deposit-batcher.js'
export type { DepositInput, DepositResult, FetchPage, MailboxStoreEvents, MailboxStoreLimits, PrekeyTake, TakenPrekey } from './types.js'
export type { PrekeyUpload, TakeOptions } from './prekey-pool.js'
export { DISK_RECOVERY_POLL_MS, type GateState } from './write-gate.js'
export type { MailboxState, MailboxStorage, RemoteDeposit, StorageGauges, StorageHealth } from './storage.js'

/** LevelDB tables kept open by the mailbox database. */
const MAX_OPEN_TABLES = 64
/** LevelDB write buffer (memtable) size. */
const WRITE_BUFFER_BYTES = 16 * 1024 * 1024

/**
 * The relay's persistent mailboxes on a `level` (classic-level) database: envelopes by arrival
 * order, dedup by id, an expiry index, owner facts and one-time prekeys, with per-mailbox and
 * global quotas. Every mailbox's writes are serialised. Its parts live beside it: `keys.ts`
 * (layout), `counters.ts`, `quotas.ts`, `deposit-batcher.ts` (group commit), `held-ids.ts`,
 * `envelopes.ts` (fetch, ack, expiry), `owners.ts`, `prekey-pool.ts`, `unowned.ts`,
 * `migrate-layout-1.ts`.
 *
 * @example
 * ```ts
 * const store = new MailboxStore(join(dataDir, 'mailboxes'), limits)
 * await store.open()
 * await store.deposit({ mailbox, id, bytes, expiresAt, secret: false, now: Date.now() })
 * const page = await store.fetch(mailbox, '', 100, 2 * 1024 * 1024, Date.now())
 * ```
 */
export class MailboxStore implements MailboxStorage {
  readonly backend = 'leveldb'
  private readonly db: MailboxDb
  private readonly log: Logger
  private readonly parts: StoreParts
  private readonly counters: MailboxCounters
  private readonly seqs = new SeqClock()
  private readonly heldIds: HeldIds
  private readonly deposits: DepositBatcher
  private opened = false
  private readonly gate: WriteGate
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined
  private readonly recoveryPollMs: number

  constructor (readonly location: string, private readonly limits: MailboxStoreLimits, private readonly events: MailboxStoreEvents = {}) {
    this.log = (events.logger ?? silentLogger).forComponent('parley:relay:mailbox-store')
    this.counters = new MailboxCounters(limits)
    // At most MAX_OPEN_TABLES tables (and their index blocks and mappings) stay open: with a
    // million envelopes held the default of 1,000 costs ~90 MB of resident memory. No Snappy:
    // envelopes are ciphertext. A 16 MiB write buffer (default 4) means a quarter of the
    // memtable flushes and fewer write stalls behind compactions (relay CPU per deposit
    // 117–126 → 96 µs in the bench, for ~25 MB more resident memory at most).
    this.db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view', maxOpenFiles: MAX_OPEN_TABLES, compression: false, writeBufferSize: WRITE_BUFFER_BYTES })
    this.recoveryPollMs = events.diskRecoveryPollMs ?? DISK_RECOVERY_POLL_MS
    this.gate = new WriteGate(this.log, () => { this.scheduleRecovery() })
    this.parts = { db: this.db, mutex: new KeyedMutex(), counters: this.counters, limits, log: this.log, gate: this.gate }
    const isOpen = (): boolean => this.opened
    this.heldIds = new HeldIds(this.db, limits.idFilterBits ?? HeldIdFilter.bitsFor(limits.storageMaxBytes), isOpen, this.log)
    this.deposits = new DepositBatcher(this.parts, this.heldIds, this.seqs, isOpen)
  }

  async open (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.db.open()
    this.opened = true
    await migrateLayout(this.db)
    await this.counters.load(this.db)
    this.seqs.last = await highestBodySeq(this.db)
    await this.heldIds.load()
  }

  /** Waits for writes in flight (queued deposits included), then closes the database. */
  async close (): Promise<void> {
    clearTimeout(this.recoveryTimer)
    this.recoveryTimer = undefined
    if (!this.opened) return
    this.opened = false
    await this.deposits.idle()
    await this.parts.mutex.idle()
    await this.heldIds.settled()
    this.gate.set('closed')
    await this.db.close()
  }

  /** Whether writes are taken (`ok`), or why not (see {@link WriteGate}); tests, diagnostics. */
  get writeState (): GateState { return this.gate.state }

  /** Times a write's I/O error made the store refuse writes since it was created. */
  get diskTrips (): number { return this.gate.trips }

  private scheduleRecovery (): void {
    if (this.recoveryTimer !== undefined || !this.opened) return
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined
      this.recover().catch((err: unknown) => { this.log.error('mailbox database recovery failed: %s', errorText(err)) })
    }, this.recoveryPollMs)
    this.recoveryTimer.unref?.()
  }

  /**
   * Once the disk has room again: waits for the operations in flight, closes the database and
   * opens it again (LevelDB replays its log up to a torn last record and starts a new one), and
   * takes writes again. Tries again later while there is no room or the open fails.
   */
  private async recover (): Promise<void> {
    if (!this.opened || this.gate.state === 'ok') return
    let room = false
    try {
      room = await hasRoomToReopen(this.location)
    } catch (err) {
      this.log.error('cannot read free space of the mailbox database: %s', errorText(err))
    }
    if (!room) { this.scheduleRecovery(); return }
    const was = this.gate.state
    this.gate.set('reopening')
    try {
      await this.deposits.idle()
      await this.parts.mutex.idle()
      await this.heldIds.settled()
      if (this.db.status === 'open') await this.db.close()
      if (!this.opened) return
      await this.db.open()
      // a write reported failed may still have reached the log: ids come from the disk again
      this.seqs.last = Math.max(this.seqs.last, await highestBodySeq(this.db))
      await this.heldIds.load()
      this.gate.reset()
      this.log('mailbox database reopened after a failed write: writes are taken again')
    } catch (err) {
      this.log.error('reopening the mailbox database failed (%s before): %s', was, errorText(err))
      // still refused (reads too while it is closed; the request guard answers them), tried again later
      this.gate.trip(err)
    }
  }

  /** Totals over all mailboxes. */
  get totalEnvelopes (): number { return this.counters.totalEnvelopes }
  get totalBytes (): number { return this.counters.totalBytes }

  /** Times the held-id filter was rebuilt since open (tests, diagnostics). */
  get idFilterRebuilds (): number { return this.heldIds.rebuilds }

  /** Mailboxes known (with envelopes, prekeys or an owner). */
  get mailboxes (): number { return this.counters.stats.size }

  /** Mailboxes held that no owner has authenticated. */
  get unownedMailboxes (): number { return this.counters.unowned.size }

  /** Owned mailboxes still provisional: nothing deposited, and no prekeys or no second login. */
  get provisionalMailboxes (): number { return this.counters.provisional.size }

  /** Whether an owner has ever authenticated this mailbox (and it was not purged since). */
  isOwned (mailbox: string): boolean {
    return this.counters.isOwned(mailbox)
  }

  /** The byte-share tag of a depositor's address keys, for {@link DepositInput.depositor} (compute once per connection). */
  depositorTag (keys: AddressKeys | undefined): number {
    return this.counters.shares.tagOf(keys)
  }

  /** Bytes (envelopes and prekeys) stored under a depositor tag's address share (tests, diagnostics). */
  storedBy (depositor: number): number {
    return this.counters.shares.heldBy(depositor)
  }

  /** Envelopes held for a mailbox. */
  count (mailbox: string): number {
    return this.counters.stats.get(mailbox)?.count ?? 0
  }

  prekeyCount (mailbox: string): number {
    return this.counters.stats.get(mailbox)?.prekeys ?? 0
  }

  /**
   * Stores an envelope; `duplicate` when one with the same id is already held. Throws quota
   * refusals. Deposits are group-committed ({@link DepositBatcher}); the server bounds how many
   * can wait (streams × requests per stream). The signal is checked before the deposit is
   * queued: once queued, it is written or refused with its group.
   */
  async deposit (input: DepositInput, options: AbortOptions = {}): Promise<DepositResult> {
    options.signal?.throwIfAborted()
    return await this.gate.guard('write', async () => await this.depositChecked(input))
  }

  private async depositChecked (input: DepositInput): Promise<DepositResult> {
    if (input.unownedExpiresAt !== undefined && !this.isOwned(input.mailbox)) input = { ...input, expiresAt: Math.min(input.expiresAt, input.unownedExpiresAt) }
    try {
      return await this.deposits.enqueue(input)
    } catch (err) {
      if (!(err instanceof QuotaExceededError)) throw err
      // an owner's mailbox finds the relay full: unowned mailboxes go first, then it retries once
      if (err.quota === 'storage' && this.isOwned(input.mailbox) && this.counters.unowned.size > 0) {
        if (await this.evictUnowned(input.bytes.length) === 0) throw err
        return await this.deposits.enqueue(input)
      }
      // a new mailbox finds the mailbox count reached: a provisional one goes, then it retries once
      if (err.quota === 'mailboxes' && await this.evictProvisional(input.mailbox)) return await this.deposits.enqueue(input)
      throw err
    }
  }

  /** Purges the oldest provisional owned mailbox other than `except`; true when one went. */
  private async evictProvisional (except: string): Promise<boolean> {
    for (const mailbox of this.counters.provisional) {
      if (mailbox === except) continue
      if (await this.purgeMailbox(mailbox, { onlyProvisional: true }) === undefined) return false
      this.events.onProvisionalEvicted?.(1)
      return true
    }
    return false
  }

  /**
   * Purges provisional owned mailboxes whose owner first authenticated at or before `before`
   * (ms), oldest first; returns how many. Their owners' next login creates them again.
   */
  async purgeProvisional (before: number, options: AbortOptions = {}): Promise<number> {
    let purged = 0
    for (const mailbox of [...this.counters.provisional]) {
      options.signal?.throwIfAborted()
      if ((this.counters.stats.get(mailbox)?.ownedAt ?? 0) > before) break
      if (await this.purgeMailbox(mailbox, { ...options, onlyProvisional: true }) !== undefined) purged++
    }
    return purged
  }

  /**
   * Purges unowned mailboxes, oldest first, until `bytes` more fit under the storage cap with
   * 1/64 of it to spare (so that a full relay does not evict at every deposit); returns how many.
   */
  private async evictUnowned (bytes: number): Promise<number> {
    const target = this.limits.storageMaxBytes - Math.floor(this.limits.storageMaxBytes / 64) - bytes
    let evicted = 0
    for (const mailbox of this.counters.unowned.oldestFirst()) {
      if (this.counters.totalBytes <= target || !this.opened) break
      if (await this.purgeMailbox(mailbox, { onlyUnowned: true }) !== undefined) evicted++
    }
    if (evicted > 0) this.events.onUnownedEvicted?.(evicted)
    return evicted
  }

  /**
   * One page of a mailbox in arrival order after `cursor`. Expired envelopes are skipped;
   * secret envelopes are deleted as they are handed out (held only until first fetch).
   */
  async fetch (mailbox: string, cursor: string, limit: number, maxBytes: number, now: number, options: AbortOptions = {}): Promise<FetchPage> {
    return await this.gate.guard('read', async () => await fetchPage(this.parts, mailbox, cursor, limit, maxBytes, now, options))
  }

  /** Deletes envelopes by id; returns how many were held. */
  async ack (mailbox: string, ids: string[], options: AbortOptions = {}): Promise<number> {
    return await this.gate.guard('write', async () => await ackIds(this.parts, mailbox, ids, options))
  }

  /** Deletes every envelope whose effective expiry is at or before `now`; returns how many. */
  async deleteExpired (now: number, options: AbortOptions = {}): Promise<number> {
    return await this.gate.guard('write', async () => await deleteExpired(this.parts, now, () => this.opened, options))
  }

  /**
   * Deletes a mailbox entirely: envelopes, indexes, owner facts and prekeys; returns how many
   * envelopes it held. With `onlyUnowned` (eviction), nothing happens and it returns undefined
   * when the mailbox is owned (its owner authenticated meanwhile) or already gone.
   */
  async purgeMailbox (mailbox: string, options: AbortOptions & { onlyUnowned?: boolean, onlyProvisional?: boolean } = {}): Promise<number | undefined> {
    const db = this.db
    this.gate.checkWrite()
    return this.parts.mutex.run(mailbox, async () => {
      options.signal?.throwIfAborted()
      if (options.onlyUnowned === true && !this.counters.unowned.has(mailbox)) return undefined
      if (options.onlyProvisional === true && !this.counters.provisional.has(mailbox)) return undefined
      const seqs: string[] = []
      for await (const key of db.keys({ gte: K.listPrefix(mailbox), lt: end(K.listPrefix(mailbox)) })) seqs.push(lastPart(key))
      const removed = await removeLocked(this.parts, mailbox, seqs)
      await this.gate.write(async () => {
        await db.clear({ gte: K.listPrefix(mailbox), lt: end(K.listPrefix(mailbox)) })
        await db.clear({ gte: K.prekeyPrefix(mailbox), lt: end(K.prekeyPrefix(mailbox)) })
        await db.clear({ gte: K.lastResortPrefix(mailbox), lt: end(K.lastResortPrefix(mailbox)) })
        await db.clear({ gte: K.idPrefix(mailbox), lt: end(K.idPrefix(mailbox)) })
        await db.batch([{ type: 'del', key: K.owner(mailbox) }, { type: 'del', key: K.stats(mailbox) }])
      })
      this.counters.forget(mailbox)
      return removed
    })
  }

  async getOwner (mailbox: string, options: AbortOptions = {}): Promise<MailboxOwner | undefined> {
    return await this.gate.guard('read', async () => await getOwner(this.parts, mailbox, options))
  }

  /**
   * Records an owner's facts. A first login counts in the owned-mailbox share of `creator` (the
   * share tag of the address it came from; refused with `STORAGE_FULL` past it); one finding the
   * mailbox count reached evicts the oldest unowned mailbox, else the oldest provisional one.
   */
  async setOwner (mailbox: string, owner: MailboxOwner, options: AbortOptions & { creator?: number } = {}): Promise<void> {
    this.gate.checkWrite()
    await setOwner(this.parts, mailbox, owner, async () => {
      const oldest = this.counters.unowned.oldest()
      if (oldest !== undefined && await this.purgeMailbox(oldest, { onlyUnowned: true }) !== undefined) this.events.onUnownedEvicted?.(1)
      else await this.evictProvisional(mailbox)
    }, options)
  }

  /** Why a first login from `creator` (a share tag) would be refused by its address's owned-mailbox share, or undefined. */
  ownedShareRefusal (creator: number): QuotaExceededError | undefined {
    return ownedShareRefusal(this.parts, creator)
  }

  /** Every mailbox with owner facts, for the inactivity sweep. */
  owners (): AsyncGenerator<[string, MailboxOwner]> {
    return owners(this.parts)
  }

  /**
   * Stores one-time prekeys (and last-resort keys, one per kind); returns the one-time count held.
   * Their bytes count in the mailbox's bytes, the storage cap (an owner finding it full has
   * unowned mailboxes evicted first, as for deposits) and the uploader's share.
   */
  async putPrekeys (mailbox: string, upload: PrekeyUpload, options: AbortOptions = {}): Promise<number> {
    this.gate.checkWrite()
    try {
      return await putPrekeys(this.parts, mailbox, upload, options)
    } catch (err) {
      if (!(err instanceof QuotaExceededError && err.quota === 'storage' && this.counters.unowned.size > 0)) throw err
      const bytes = upload.oneTime.reduce((sum, p) => sum + p.blob.length, 0) + upload.lastResort.reduce((sum, p) => sum + p.blob.length, 0)
      if (await this.evictUnowned(bytes) === 0) throw err
      return await putPrekeys(this.parts, mailbox, upload, options)
    }
  }

  /**
   * One prekey per kind the mailbox has: a one-time key (deleted as it is handed out), or the
   * last-resort key when that kind's pool is empty or the mailbox's one-time budget is spent.
   */
  async takePrekeys (mailbox: string, options: TakeOptions = {}): Promise<PrekeyTake> {
    return await this.gate.guard('read', async () => await takePrekeys(this.parts, mailbox, options))
  }

  async mailboxState (mailbox: string, options: AbortOptions = {}): Promise<MailboxState> {
    options.signal?.throwIfAborted()
    return { owned: this.isOwned(mailbox), envelopes: this.count(mailbox), oneTimePrekeys: this.prekeyCount(mailbox) }
  }

  async checkOwnedShare (creator: number, options: AbortOptions = {}): Promise<QuotaExceededError | undefined> {
    options.signal?.throwIfAborted()
    return this.ownedShareRefusal(creator)
  }

  gauges (): StorageGauges {
    return { mailboxes: this.mailboxes, unownedMailboxes: this.unownedMailboxes, provisionalMailboxes: this.provisionalMailboxes, totalEnvelopes: this.totalEnvelopes, totalBytes: this.totalBytes }
  }

  health (): StorageHealth {
    const error = this.gate.error
    return { backend: 'leveldb', ok: this.opened && error === undefined, ...(error !== undefined ? { error } : {}) }
  }

  /** One process holds every mailbox: no deposit arrives through another. */
  onRemoteDeposit (): () => void {
    return () => {}
  }
}
