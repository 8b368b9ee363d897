import type { AbortOptions, ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import { equalBytes } from '../bytes.js'
import { ParleyError } from '../errors.js'
import {
  accountDhtKey, accountKeyFromDhtKey, selectAccountRecord, verifyAccountRecord,
  type VerifiedAccountRecord
} from '../identity/account-record.js'
import { encodeAddress } from '../identity/address.js'
import { quorumLookup, type DhtQuery } from './account-directory-quorum.js'
import { DEFAULT_DIRECTORY_CACHE_SIZE, DEFAULT_DIRECTORY_CACHE_TTL_MS, DEFAULT_DIRECTORY_LOOKUP_GRACE_MS, DEFAULT_DIRECTORY_LOOKUP_QUORUM, DEFAULT_DIRECTORY_LOOKUP_TIMEOUT_MS } from './constants.js'
import { AccountNotFoundError } from './errors.js'

/** kad-dht validator for the `parley` namespace: the record must verify under the key it is stored at. */
export function accountRecordValidator (key: Uint8Array, value: Uint8Array): void {
  verifyAccountRecord(value, { accountKey: accountKeyFromDhtKey(key) })
}

/** kad-dht selector for the `parley` namespace: highest sequence number wins. */
export function accountRecordSelector (_key: Uint8Array, records: Uint8Array[]): number {
  return selectAccountRecord(records)
}

export interface AccountDirectoryInit {
  /** How long a looked-up record is served from cache. @default 300000 */
  cacheTtlMs?: number
  /** Records kept in the cache. @default 1000 */
  cacheSize?: number
  /** Default lookup timeout when the caller gives no signal. @default 15000 */
  lookupTimeoutMs?: number
  /** With the DHT's query events: a lookup ends once this many peers served a valid record. @default 3 */
  lookupQuorum?: number
  /** With the DHT's query events: how long to wait for the quorum after the first valid record. @default 200 */
  lookupGraceMs?: number
  /** The highest record seen per account, kept across restarts; none: the in-memory cache only. */
  floor?: RecordFloor
  log?: Logger
}

/** Persistent highest-seen record per account (rollback protection across restarts). */
export interface RecordFloor {
  load: (address: string, options?: AbortOptions) => Promise<Uint8Array | undefined>
  save: (address: string, record: Uint8Array, options?: AbortOptions) => Promise<void>
}

interface CacheEntry {
  record: VerifiedAccountRecord
  bytes: Uint8Array
  fetchedAt: number
}

/** Content routing, and kad-dht's query events when there is a DHT service (for quorum lookups). */
type Routing = Pick<Libp2p, 'contentRouting'> & { dhtQuery?: DhtQuery }

/**
 * Publishes this account's record in the DHT and looks up others', with a bounded cache.
 * A looked-up record never replaces a cached one with a higher sequence (rollback protection).
 *
 * @example
 * ```ts
 * const directory = new AccountDirectory(libp2p)
 * const { body } = await directory.lookup(accountKey, { signal: AbortSignal.timeout(10_000) })
 * ```
 */
export class AccountDirectory implements Startable {
  private readonly routing: Routing
  private readonly cache = new Map<string, CacheEntry>()
  private readonly init: Required<Omit<AccountDirectoryInit, 'floor' | 'log'>>
  private readonly floor: RecordFloor | undefined
  private readonly log: Logger | undefined

  constructor (routing: Routing, init: AccountDirectoryInit = {}) {
    this.routing = routing
    this.floor = init.floor
    this.log = init.log
    this.init = {
      cacheTtlMs: init.cacheTtlMs ?? DEFAULT_DIRECTORY_CACHE_TTL_MS,
      cacheSize: init.cacheSize ?? DEFAULT_DIRECTORY_CACHE_SIZE,
      lookupTimeoutMs: init.lookupTimeoutMs ?? DEFAULT_DIRECTORY_LOOKUP_TIMEOUT_MS,
      lookupQuorum: init.lookupQuorum ?? DEFAULT_DIRECTORY_LOOKUP_QUORUM,
      lookupGraceMs: init.lookupGraceMs ?? DEFAULT_DIRECTORY_LOOKUP_GRACE_MS
    }
  }

  /** Stores a signed record (ours) in the DHT and in the cache. */
  async publish (recordBytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const record = verifyAccountRecord(recordBytes)
    this.remember(record, recordBytes)
    await this.routing.contentRouting.put(accountDhtKey(record.body.accountKey), recordBytes, {
      signal: options.signal ?? AbortSignal.timeout(this.init.lookupTimeoutMs)
    })
  }

  /** Looks up an account's record: cache first (unless `fresh`), then the DHT. */
  async lookup (accountKey: Uint8Array, options: AbortOptions & { fresh?: boolean, onFirstRecord?: (record: VerifiedAccountRecord) => void } = {}): Promise<VerifiedAccountRecord> {
    const address = encodeAddress(accountKey)
    const cached = this.cache.get(address)
    if (cached != null && options.fresh !== true && Date.now() - cached.fetchedAt < this.init.cacheTtlMs) return cached.record
    let bytes: Uint8Array
    try {
      const signal = options.signal ?? AbortSignal.timeout(this.init.lookupTimeoutMs)
      bytes = this.routing.dhtQuery != null
        ? await quorumLookup(this.routing.dhtQuery, accountKey, accountDhtKey(accountKey), { quorum: this.init.lookupQuorum, graceMs: this.init.lookupGraceMs, log: this.log, onFirstRecord: options.onFirstRecord }, { signal })
        : await this.routing.contentRouting.get(accountDhtKey(accountKey), { signal })
    } catch (err) {
      if (cached != null) {
        this.log?.trace('DHT lookup of %s failed, serving the cached record - %e', address, err)
        return cached.record
      }
      if (err instanceof ParleyError) throw err
      throw new AccountNotFoundError(`No account record found for ${address}: ${(err as Error).message}`)
    }
    const found = verifyAccountRecord(bytes, { accountKey })
    if (cached != null && cached.record.body.sequence > found.body.sequence) return cached.record
    const record = await this.notBelowFloor(found, options)
    this.remember(record, record.bytes)
    return record
  }

  /**
   * `found`, unless the persisted floor holds a newer record of the account (then the floor's:
   * the DHT served a rollback); a newer `found` becomes the floor.
   */
  private async notBelowFloor (found: VerifiedAccountRecord, options: AbortOptions): Promise<VerifiedAccountRecord> {
    if (this.floor == null) return found
    const floorBytes = await this.floor.load(found.address, options)
    if (floorBytes != null) {
      let floor: VerifiedAccountRecord | undefined
      try {
        floor = verifyAccountRecord(floorBytes, { accountKey: found.body.accountKey, now: 0 })
      } catch (err) {
        this.log?.error('stored record floor of %s does not verify, replacing it - %e', found.address, err)
      }
      if (floor != null && selectAccountRecord([found.bytes, floor.bytes]) === 1) {
        this.log?.('the DHT served an older record of %s (sequence %s < %s): keeping ours', found.address, found.body.sequence, floor.body.sequence)
        return floor
      }
      if (floor != null && equalBytes(floor.bytes, found.bytes)) return found
    }
    await this.floor.save(found.address, found.bytes, options)
    return found
  }

  start (): void {}

  /** Forgets the cache: a restarted node asks the DHT again (the floor stays). */
  stop (): void {
    this.cache.clear()
  }

  /** Forgets a cached record, so the next lookup asks the DHT. */
  invalidate (accountKey: Uint8Array): void {
    this.cache.delete(encodeAddress(accountKey))
  }

  private remember (record: VerifiedAccountRecord, bytes: Uint8Array): void {
    this.cache.delete(record.address)
    this.cache.set(record.address, { record, bytes, fetchedAt: Date.now() })
    while (this.cache.size > this.init.cacheSize) {
      const oldest = this.cache.keys().next().value as string
      this.cache.delete(oldest)
    }
  }
}

export interface AccountDirectoryComponents {
  /** libp2p's content routing (the DHT). */
  contentRouting: Libp2p['contentRouting']
  logger: ComponentLogger
}

/** kad-dht's `get` (query events) when a service named `dht` was created before this one. */
function dhtQueryOf (components: AccountDirectoryComponents): DhtQuery | undefined {
  let dht: unknown
  try {
    dht = (components as unknown as Record<string, unknown>).dht // libp2p throws for a missing service
  } catch {
    return undefined // no DHT service: contentRouting.get
  }
  const get = (dht as { get?: unknown } | undefined)?.get
  return typeof get === 'function' ? (key, options) => (get as DhtQuery).call(dht, key, options) : undefined
}

/**
 * The account directory as a libp2p service.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ ...options, services: { ...options.services, directory: accountDirectory({ floor }) } })
 * const record = await libp2p.services.directory.lookup(accountKey)
 * ```
 */
export function accountDirectory (init: AccountDirectoryInit = {}): (components: AccountDirectoryComponents) => AccountDirectory {
  return (components) => new AccountDirectory({ contentRouting: components.contentRouting, dhtQuery: dhtQueryOf(components) }, {
    ...init,
    log: init.log ?? components.logger.forComponent('parley:account-directory')
  })
}
