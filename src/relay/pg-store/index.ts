import type { AbortOptions, Logger } from '@libp2p/interface'
import { randomBytes } from 'node:crypto'
import type { MailboxOwner } from '../../wire/relay-store.js'
import type { AddressKeys } from '../../net/remote-address.js'
import { DEFAULT_PG_POOL_SIZE } from '../constants.js'
import { QuotaExceededError } from '../errors.js'
import { silentLogger } from '../logger.js'
import type { PrekeyUpload, TakeOptions } from '../mailbox-store/prekey-pool.js'
import type { MailboxState, MailboxStorage, RemoteDeposit, StorageGauges, StorageHealth } from '../mailbox-store/storage.js'
import type { DepositInput, DepositResult, FetchPage, MailboxStoreEvents, MailboxStoreLimits, PrekeyTake } from '../mailbox-store/types.js'
import type { VerifiedPost } from '../../identity/channel/index.js'
import type { ChannelHistoryConfig } from '../channel-history/config.js'
import type { BlobStoreLimits } from '../blob-store/types.js'
import { PgBlobStore, type PgBlobStoreInit } from './blob-store.js'
import { PgChannelHistory } from './channel-history.js'
import { DbRunner, type DbEvents } from './db.js'
import { PgDepositBatcher } from './deposits.js'
import { ackIds, deleteExpired, fetchPage, purgeLocked } from './envelopes.js'
import { DepositNotices } from './notify.js'
import { checkOwnedShare, getOwner, oldestProvisional, oldestUnowned, owners, provisionalBefore, setOwner } from './owners.js'
import { lockMailboxes, readMailbox, type PgParts } from './parts.js'
import { Partitions } from './partitions.js'
import { putPrekeys, takePrekeys } from './prekeys.js'
import { migrate } from './schema.js'
import { clientConfig, Database } from './sql.js'
import { withSweepLock, type SweepLease } from './sweep-lock.js'
import { FleetShares } from './shares.js'
import { FleetTotals } from './totals.js'

export { StoreUnavailableError } from './db.js'
export { SCHEMA_VERSION } from './schema.js'

/** How often the fleet totals are read back (ms). */
export const DEFAULT_TOTALS_REFRESH_MS = 2000
/** While the database is down, how often it is probed (ms) so that health recovers without traffic. */
const PROBE_INTERVAL_MS = 1000
/** A connection attempt to the database fails after this long (ms). */
const CONNECT_TIMEOUT_MS = 5000
/** An idle pooled connection is closed after this long (ms). */
const IDLE_TIMEOUT_MS = 60_000
/** How long closing waits for connections still in use (ms). */
const CLOSE_TIMEOUT_MS = 5000
/** Unowned mailboxes looked at per eviction round. */
const EVICTION_PAGE = 64

export interface PgMailboxStoreInit {
  /** `postgres://user:password@host:port/database` (options in the query string, e.g. `?sslmode=require`). */
  url: string
  limits: MailboxStoreLimits
  events?: MailboxStoreEvents & DbEvents
  /** @default DEFAULT_PG_POOL_SIZE */
  poolSize?: number
  /** @default DEFAULT_TOTALS_REFRESH_MS */
  totalsRefreshMs?: number
  /** A statement unanswered this long fails as unavailable (ms). @default DEFAULT_PG_QUERY_TIMEOUT_MS */
  queryTimeoutMs?: number
}

/** No relay statement takes this long on a healthy database: one that does is treated as the database being gone. */
export const DEFAULT_PG_QUERY_TIMEOUT_MS = 15_000

/**
 * The relay's mailboxes in PostgreSQL (15 or newer), shared by any number of relay processes:
 * a deposit accepted by one is fetchable from any other, and a subscriber on one is pushed what
 * another stored (`LISTEN/NOTIFY`). The schema is migrated at open (`schema.ts`); deposits are
 * group-committed and idempotent by envelope id (`deposits.ts`); envelopes live in one partition
 * per expiry day, dropped whole by the expiry sweep (`envelopes.ts`, `partitions.ts`); per-mailbox
 * quotas and per-address shares are exact across processes (row locks), the relay-wide caps are
 * checked against fleet totals refreshed every {@link DEFAULT_TOTALS_REFRESH_MS} (`totals.ts`).
 * While the database cannot be reached every operation is refused with `ERR_STORE_UNAVAILABLE`
 * (retryable) and the store recovers by itself when it is back.
 *
 * @example
 * ```ts
 * const store = new PgMailboxStore({ url: 'postgres://parley@db.example/parley', limits })
 * await store.open()
 * await store.deposit({ mailbox, id, bytes, expiresAt, secret: false, now: Date.now() })
 * ```
 */
export class PgMailboxStore implements MailboxStorage {
  readonly backend = 'postgres'
  private readonly database: Database
  private readonly log: Logger
  private readonly db: DbRunner
  private readonly origin = randomBytes(8).toString('hex')
  private readonly partitions: Partitions
  private readonly totals: FleetTotals
  private readonly notices: DepositNotices
  private parts: PgParts | undefined
  private deposits: PgDepositBatcher | undefined
  private opened = false
  private shareKey: Uint8Array | undefined
  private probe: ReturnType<typeof setInterval> | undefined
  private readonly clientConfig: ReturnType<typeof clientConfig>

  constructor (private readonly init: PgMailboxStoreInit) {
    this.log = (init.events?.logger ?? silentLogger).forComponent('parley:relay:pg-store')
    const options = { url: init.url, max: init.poolSize ?? DEFAULT_PG_POOL_SIZE, connectTimeoutMs: CONNECT_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, queryTimeoutMs: init.queryTimeoutMs ?? DEFAULT_PG_QUERY_TIMEOUT_MS }
    this.database = new Database(options, this.log)
    this.db = new DbRunner(this.database, this.log, init.events)
    this.partitions = new Partitions(this.db)
    this.totals = new FleetTotals(this.db, init.totalsRefreshMs ?? DEFAULT_TOTALS_REFRESH_MS, this.log)
    this.clientConfig = clientConfig(options)
    this.notices = new DepositNotices(this.clientConfig, this.db, this.origin, this.log)
  }

  /** Migrates the schema, reads the fleet's share key, partitions and totals, and starts listening for the fleet's deposits. */
  async open (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const key = await this.db.run(async () => await migrate(this.database, options))
    this.shareKey = key
    this.parts = { db: this.db, limits: this.init.limits, shares: new FleetShares(key, this.init.limits), totals: this.totals, partitions: this.partitions, log: this.log }
    this.deposits = new PgDepositBatcher(this.parts, this.origin, () => this.opened)
    await this.partitions.load()
    await this.totals.refresh()
    await this.notices.start()
    this.totals.start()
    this.probe = setInterval(() => {
      if (this.db.ok) return
      // a failed probe is logged and counted by the runner; the next one tries again
      this.db.run(async (sql) => await sql`SELECT 1`).catch(() => {})
    }, PROBE_INTERVAL_MS)
    this.probe.unref()
    this.opened = true
  }

  /** Waits for deposits in flight, then closes the connections. */
  async close (): Promise<void> {
    if (!this.opened) { await this.notices.stop(); await this.database.end(1000); return }
    this.opened = false
    clearInterval(this.probe)
    await this.deposits?.idle()
    await this.totals.stop()
    await this.notices.stop()
    await this.database.end(CLOSE_TIMEOUT_MS)
  }

  private get p (): PgParts {
    if (this.parts == null) throw new Error('PgMailboxStore used before open()')
    return this.parts
  }

  async deposit (input: DepositInput, options: AbortOptions = {}): Promise<DepositResult> {
    options.signal?.throwIfAborted()
    const batcher = this.deposits
    if (batcher == null) throw new Error('PgMailboxStore used before open()')
    try {
      return await batcher.enqueue(input)
    } catch (err) {
      if (!(err instanceof QuotaExceededError)) throw err
      // an owner's mailbox finds the fleet full: unowned mailboxes go first, then it retries once
      if (err.quota === 'storage' && (await this.mailboxState(input.mailbox)).owned && this.totals.unownedMailboxes > 0) {
        if (await this.evictUnowned(input.bytes.length, input.mailbox) === 0) throw err
        return await batcher.enqueue(input)
      }
      // a new mailbox finds the mailbox count reached: a provisional one goes, then it retries once
      if (err.quota === 'mailboxes' && await this.evictProvisional(input.mailbox)) return await batcher.enqueue(input)
      throw err
    }
  }

  private async evictUnowned (bytes: number, except: string): Promise<number> {
    const { storageMaxBytes } = this.init.limits
    const target = storageMaxBytes - Math.floor(storageMaxBytes / 64) - bytes
    let evicted = 0
    while (this.totals.totalBytes > target && this.opened) {
      const page = await oldestUnowned(this.p, EVICTION_PAGE, except)
      if (page.length === 0) break
      for (const mailbox of page) {
        if (this.totals.totalBytes <= target) break
        if (await this.purgeMailbox(mailbox, { onlyUnowned: true }) !== undefined) evicted++
      }
    }
    if (evicted > 0) this.init.events?.onUnownedEvicted?.(evicted)
    return evicted
  }

  private async evictProvisional (except: string): Promise<boolean> {
    const mailbox = await oldestProvisional(this.p, except)
    if (mailbox === undefined || await this.purgeMailbox(mailbox, { onlyProvisional: true }) === undefined) return false
    this.init.events?.onProvisionalEvicted?.(1)
    return true
  }

  async fetch (mailbox: string, cursor: string, limit: number, maxBytes: number, now: number, options: AbortOptions = {}): Promise<FetchPage> {
    return await fetchPage(this.p, mailbox, cursor, limit, maxBytes, now, options)
  }

  async ack (mailbox: string, ids: string[], options: AbortOptions = {}): Promise<number> {
    return await ackIds(this.p, mailbox, ids, options)
  }

  async deleteExpired (now: number, options: AbortOptions = {}): Promise<number> {
    return await deleteExpired(this.p, now, () => this.opened, options)
  }

  async purgeMailbox (mailbox: string, options: AbortOptions & { onlyUnowned?: boolean, onlyProvisional?: boolean } = {}): Promise<number | undefined> {
    options.signal?.throwIfAborted()
    const result = await this.db.tx(async (tx) => {
      const row = (await lockMailboxes(tx, [mailbox])).get(mailbox)
      if (options.onlyUnowned === true && (row == null || row.owned)) return undefined
      if (options.onlyProvisional === true && row?.provisional !== true) return undefined
      const gone = await purgeLocked(this.p, tx, mailbox)
      return { ...gone, row }
    })
    if (result === undefined) return undefined
    if (result.row != null) {
      const r = result.row
      this.totals.moved({ mailboxes: -1, unownedMailboxes: r.owned ? 0 : -1, provisionalMailboxes: r.provisional ? -1 : 0, totalEnvelopes: -result.envelopes, totalBytes: -result.bytes })
    }
    return result.envelopes
  }

  async purgeProvisional (before: number, options: AbortOptions = {}): Promise<number> {
    let purged = 0
    for (const mailbox of await provisionalBefore(this.p, before)) {
      options.signal?.throwIfAborted()
      if (await this.purgeMailbox(mailbox, { ...options, onlyProvisional: true }) !== undefined) purged++
    }
    return purged
  }

  async getOwner (mailbox: string, options: AbortOptions = {}): Promise<MailboxOwner | undefined> {
    return await getOwner(this.p, mailbox, options)
  }

  async setOwner (mailbox: string, owner: MailboxOwner, options: AbortOptions & { creator?: number } = {}): Promise<void> {
    await setOwner(this.p, mailbox, owner, async () => {
      const [oldest] = await oldestUnowned(this.p, 1, mailbox)
      if (oldest !== undefined && await this.purgeMailbox(oldest, { onlyUnowned: true }) !== undefined) this.init.events?.onUnownedEvicted?.(1)
      else await this.evictProvisional(mailbox)
    }, options)
  }

  owners (): AsyncGenerator<[string, MailboxOwner]> {
    return owners(this.p)
  }

  async putPrekeys (mailbox: string, upload: PrekeyUpload, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    try {
      return await putPrekeys(this.p, mailbox, upload)
    } catch (err) {
      if (!(err instanceof QuotaExceededError && err.quota === 'storage' && this.totals.unownedMailboxes > 0)) throw err
      const bytes = upload.oneTime.reduce((sum, p) => sum + p.blob.length, 0) + upload.lastResort.reduce((sum, p) => sum + p.blob.length, 0)
      if (await this.evictUnowned(bytes, mailbox) === 0) throw err
      return await putPrekeys(this.p, mailbox, upload)
    }
  }

  async takePrekeys (mailbox: string, options: TakeOptions = {}): Promise<PrekeyTake> {
    return await takePrekeys(this.p, mailbox, options)
  }

  depositorTag (keys: AddressKeys | undefined): number {
    return this.p.shares.tagOf(keys)
  }

  async mailboxState (mailbox: string, options: AbortOptions = {}): Promise<MailboxState> {
    options.signal?.throwIfAborted()
    const row = await this.db.run(async (sql) => await readMailbox(sql, mailbox))
    return { owned: row?.owned ?? false, envelopes: row?.count ?? 0, oneTimePrekeys: row?.prekeys ?? 0 }
  }

  async checkOwnedShare (creator: number, options: AbortOptions = {}): Promise<QuotaExceededError | undefined> {
    return await checkOwnedShare(this.p, creator, options)
  }

  gauges (): StorageGauges {
    return this.totals.snapshot()
  }

  health (): StorageHealth {
    return this.db.ok ? { backend: 'postgres', ok: this.opened } : { backend: 'postgres', ok: false, error: this.db.error }
  }

  onRemoteDeposit (listener: (deposit: RemoteDeposit) => void, wants: (mailbox: string) => boolean = () => true, subscribed?: () => Iterable<string>): () => void {
    return this.notices.subscribe(listener, wants, subscribed)
  }

  /** Runs `work` (a sweep) on this member only if no other member of the fleet sweeps now (`sweep-lock.ts`). */
  async sweepExclusively<T>(work: () => Promise<T>, options: AbortOptions = {}): Promise<SweepLease<T>> {
    return await withSweepLock(this.db, this.clientConfig, this.log, work, options)
  }

  /** The pool's connections now (open, idle), operations waiting for one, and whether the `LISTEN` connection is up (metrics). */
  poolStats (): { open: number, idle: number, waiting: number, listening: boolean } {
    const pool = this.database.pool
    return { open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, listening: this.notices.listening }
  }

  /**
   * The fleet's channel history in this database (schema 2), on this store's connections: for a
   * relay that keeps channels (`channels.keep`). Opened here; its `close()` stops its refresh.
   */
  async channelHistory (init: { config: ChannelHistoryConfig, now?: () => number, onStored?: (verified: VerifiedPost) => void }, options: AbortOptions = {}): Promise<PgChannelHistory> {
    const history = new PgChannelHistory({ ...init, db: this.db, log: this.log.newScope('channel-history') })
    await history.open(options)
    return history
  }

  /**
   * The fleet's attachments blob store in this database (schema 3), on this store's connections:
   * open it after this store (it needs the fleet's share key).
   */
  blobStore (init: { limits: BlobStoreLimits } & Pick<PgBlobStoreInit, 'now' | 'onStored' | 'onServed' | 'onQuotaRefused'>): PgBlobStore {
    return new PgBlobStore({
      ...init,
      db: this.db,
      log: this.log.newScope('blobs'),
      shareKey: () => {
        if (this.shareKey === undefined) throw new Error('PgMailboxStore used before open()')
        return this.shareKey
      }
    })
  }

  /** Connections the pool may open (metrics). */
  get poolSize (): number {
    return this.init.poolSize ?? DEFAULT_PG_POOL_SIZE
  }
}
