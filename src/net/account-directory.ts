import type { Libp2p } from '@libp2p/interface'
import { ParleyError } from '../errors.js'
import {
  accountDhtKey, accountKeyFromDhtKey, selectAccountRecord, verifyAccountRecord,
  type VerifiedAccountRecord
} from '../identity/account-record.js'
import { encodeAddress } from '../identity/address.js'
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
}

interface CacheEntry {
  record: VerifiedAccountRecord
  bytes: Uint8Array
  fetchedAt: number
}

type Routing = Pick<Libp2p, 'contentRouting'>

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
export class AccountDirectory {
  private readonly routing: Routing
  private readonly cache = new Map<string, CacheEntry>()
  private readonly init: Required<AccountDirectoryInit>

  constructor (routing: Routing, init: AccountDirectoryInit = {}) {
    this.routing = routing
    this.init = {
      cacheTtlMs: init.cacheTtlMs ?? 300_000,
      cacheSize: init.cacheSize ?? 1000,
      lookupTimeoutMs: init.lookupTimeoutMs ?? 15_000
    }
  }

  /** Stores a signed record (ours) in the DHT and in the cache. */
  async publish (recordBytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    const record = verifyAccountRecord(recordBytes)
    this.remember(record, recordBytes)
    await this.routing.contentRouting.put(accountDhtKey(record.body.accountKey), recordBytes, {
      signal: options.signal ?? AbortSignal.timeout(this.init.lookupTimeoutMs)
    })
  }

  /** Looks up an account's record: cache first (unless `fresh`), then the DHT. */
  async lookup (accountKey: Uint8Array, options: { signal?: AbortSignal, fresh?: boolean } = {}): Promise<VerifiedAccountRecord> {
    const address = encodeAddress(accountKey)
    const cached = this.cache.get(address)
    if (cached != null && options.fresh !== true && Date.now() - cached.fetchedAt < this.init.cacheTtlMs) return cached.record
    let bytes: Uint8Array
    try {
      bytes = await this.routing.contentRouting.get(accountDhtKey(accountKey), {
        signal: options.signal ?? AbortSignal.timeout(this.init.lookupTimeoutMs)
      })
    } catch (err) {
      if (cached != null) return cached.record
      if (err instanceof ParleyError) throw err
      throw new AccountNotFoundError(`No account record found for ${address}: ${(err as Error).message}`)
    }
    const record = verifyAccountRecord(bytes, { accountKey })
    if (cached != null && cached.record.body.sequence > record.body.sequence) return cached.record
    this.remember(record, bytes)
    return record
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
