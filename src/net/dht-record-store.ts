import { Libp2pRecord } from '@libp2p/record'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import type { AbortOptions, ComponentLogger, Logger, Startable } from '@libp2p/interface'
import { BaseDatastore } from 'datastore-core'
import { Key, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import { ACCOUNT_KEY_PREFIX, selectAccountRecord } from '../identity/account-record.js'
import { AccountRecordBody, SignedAccountRecord } from '../wire/parley.js'
import type { DhtRecordLimits } from './dht-record-limits.js'
import { DhtRecordRefusedError, DhtStoreFullError, RecordRollbackError } from './errors.js'

/** kad-dht's datastore prefix for PUT_VALUE records (its default `/dht` + `/record`). */
export const DHT_RECORD_PREFIX = '/dht/record/'

/** Why a write was refused: the label of the refusal counters. */
export type DhtRefusalReason =
  | 'rollback' | 'full' | 'address_full' | 'other_full' | 'invalid'
  | 'rate_limited_peer' | 'rate_limited_address' | 'rate_limited_network'

/** Who asked to store a record: a remote address (its rate-limit key), or this node itself. */
export interface RecordOrigin {
  /** The remote address's key (IPv4, IPv6 /64); undefined when exempt from per-address shares or local. */
  address?: string
}

export interface DhtRecordStoreInit {
  limits: DhtRecordLimits
  /** DHT keys (UTF-8) of this node's own account records: exempt from the caps. */
  ownRecordKeys?: Uint8Array[]
  /** This node's PeerId text: its own provider records are exempt from the caps. */
  selfPeerId?: string
  logger: ComponentLogger
  /** Called once per refused write, with a stable reason code (relay metrics). */
  onRefusal?: (reason: DhtRefusalReason) => void
  /** Called with the number of records each prune dropped, when non-zero. */
  onPruned?: (count: number) => void
  now?: () => number
}

interface RecordEntry {
  value: Uint8Array
  /** ms since epoch; the account record's `expires_at`. */
  expiresAt: number
  own: boolean
  address: string | undefined
}

interface AddressShare { records: number, bytes: number }

/**
 * The datastore kad-dht sees: an in-memory, bounded store of other people's DHT records, kept
 * apart from the user's encrypted store (which keeps libp2p's peer store only). For account
 * records (`/dht/record/…`) every write runs the account-record selector against the record
 * held under the same key and refuses an older one ({@link RecordRollbackError}), and foreign
 * records are capped in count and bytes, overall and per remote address
 * ({@link DhtStoreFullError}). Records past their `expires_at` are dropped on a timer and
 * before a write is refused for lack of room. Other kad-dht entries (provider records) are
 * capped in count.
 *
 * @example
 * ```ts
 * const records = new DhtRecordStore({ limits: DEVICE_DHT_RECORD_LIMITS, logger })
 * await records.putFromPeer(key, serializedRecord, { address: '203.0.113.7' })
 * ```
 */
export class DhtRecordStore extends BaseDatastore implements Startable {
  private readonly records = new Map<string, RecordEntry>()
  private readonly others = new Map<string, Uint8Array>()
  private readonly shares = new Map<string, AddressShare>()
  private readonly ownKeys: Set<string>
  private readonly limits: DhtRecordLimits
  private readonly init: DhtRecordStoreInit
  private readonly log: Logger
  private readonly now: () => number
  private foreignRecords = 0
  private foreignBytes = 0
  private pruneTask: RepeatingTask | undefined

  constructor (init: DhtRecordStoreInit) {
    super()
    this.init = init
    this.limits = init.limits
    this.now = init.now ?? Date.now
    this.log = init.logger.forComponent('parley:dht-records')
    const decoder = new TextDecoder()
    this.ownKeys = new Set((init.ownRecordKeys ?? []).map((k) => decoder.decode(k)))
  }

  start (): void {
    this.pruneTask = repeatingTask(() => { this.prune() }, this.limits.pruneIntervalMs)
    this.pruneTask.start()
  }

  stop (): void {
    this.pruneTask?.stop()
    this.pruneTask = undefined
    this.records.clear()
    this.others.clear()
    this.shares.clear()
    this.foreignRecords = 0
    this.foreignBytes = 0
  }

  /** Foreign account records held. */
  get recordCount (): number { return this.foreignRecords }
  /** Bytes of foreign account records held. */
  get recordBytes (): number { return this.foreignBytes }
  /** Other entries (provider records) held. */
  get otherCount (): number { return this.others.size }

  /** Drops records past their expiry; returns how many. */
  prune (): number {
    const now = this.now()
    let dropped = 0
    for (const [key, entry] of this.records) {
      if (entry.expiresAt <= now) { this.remove(key); dropped++ }
    }
    if (dropped > 0) {
      this.log('pruned %d expired records', dropped)
      this.init.onPruned?.(dropped)
    }
    return dropped
  }

  /** Stores a record a remote peer PUT, charged to its address's share. */
  async putFromPeer (key: Key, value: Uint8Array, origin: RecordOrigin, options: AbortOptions = {}): Promise<Key> {
    options.signal?.throwIfAborted()
    this.write(key.toString(), value, origin)
    return key
  }

  override async put (key: Key, value: Uint8Array, options: AbortOptions = {}): Promise<Key> {
    options.signal?.throwIfAborted()
    this.write(key.toString(), value, {})
    return key
  }

  override async get (key: Key, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const text = key.toString()
    const value = this.records.get(text)?.value ?? this.others.get(text)
    if (value == null) throw new NotFoundError(`no value for ${text}`)
    return value
  }

  override async has (key: Key, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const text = key.toString()
    return this.records.has(text) || this.others.has(text)
  }

  override async delete (key: Key, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const text = key.toString()
    this.remove(text)
    this.others.delete(text)
  }

  override async * _all (q: Query, options: AbortOptions = {}): AsyncGenerator<Pair> {
    for (const [key, value] of this.snapshot(q.prefix)) {
      options.signal?.throwIfAborted()
      yield { key: new Key(key, false), value }
    }
  }

  override async * _allKeys (q: KeyQuery, options: AbortOptions = {}): AsyncGenerator<Key> {
    for (const [key] of this.snapshot(q.prefix)) {
      options.signal?.throwIfAborted()
      yield new Key(key, false)
    }
  }

  private snapshot (prefix: string | undefined): Array<[string, Uint8Array]> {
    const out: Array<[string, Uint8Array]> = []
    for (const [key, entry] of this.records) if (prefix == null || key.startsWith(prefix)) out.push([key, entry.value])
    for (const [key, value] of this.others) if (prefix == null || key.startsWith(prefix)) out.push([key, value])
    return out
  }

  private write (key: string, value: Uint8Array, origin: RecordOrigin): void {
    if (key.startsWith(DHT_RECORD_PREFIX)) this.writeRecord(key, value, origin)
    else this.writeOther(key, value)
  }

  private writeOther (key: string, value: Uint8Array): void {
    const own = this.init.selfPeerId != null && key.endsWith(`/${this.init.selfPeerId}`)
    if (!own && !this.others.has(key) && this.others.size >= this.limits.maxOtherEntries) {
      throw this.refuse('other_full', new DhtStoreFullError('Too many DHT entries held'))
    }
    this.others.set(key, value)
  }

  private writeRecord (key: string, value: Uint8Array, origin: RecordOrigin): void {
    const decoded = decodeAccountRecord(value)
    if (decoded == null) throw this.refuse('invalid', new DhtRecordRefusedError('Not an account record'))
    const existing = this.records.get(key)
    if (existing != null && selectAccountRecord([decoded.account, decodeAccountRecord(existing.value)?.account ?? value]) !== 0) {
      throw this.refuse('rollback', new RecordRollbackError())
    }
    const own = this.ownKeys.has(decoded.dhtKey)
    const entry: RecordEntry = { value, expiresAt: decoded.expiresAt, own, address: own ? undefined : origin.address }
    if (!own) this.makeRoom(key, entry)
    this.remove(key)
    this.records.set(key, entry)
    this.charge(entry, 1)
  }

  /** Throws unless `entry` fits (overall and in its address's share) once `key`'s old value is gone. */
  private makeRoom (key: string, entry: RecordEntry): void {
    const fits = (): DhtRefusalReason | undefined => {
      const old = this.records.get(key)
      const freed = old != null && !old.own ? { records: 1, bytes: old.value.length } : { records: 0, bytes: 0 }
      if (this.foreignRecords - freed.records + 1 > this.limits.maxRecords ||
        this.foreignBytes - freed.bytes + entry.value.length > this.limits.maxRecordBytes) return 'full'
      if (entry.address == null) return undefined
      const share = this.shares.get(entry.address) ?? { records: 0, bytes: 0 }
      const sameAddress = old?.address === entry.address
      if (share.records - (sameAddress ? freed.records : 0) + 1 > this.limits.maxRecordsPerAddress ||
        share.bytes - (sameAddress ? freed.bytes : 0) + entry.value.length > this.limits.maxRecordBytesPerAddress) return 'address_full'
      return undefined
    }
    let reason = fits()
    if (reason != null && this.prune() > 0) reason = fits()
    if (reason === 'full') throw this.refuse(reason, new DhtStoreFullError())
    if (reason === 'address_full') throw this.refuse(reason, new DhtStoreFullError('This address holds its share of DHT records', 'ERR_DHT_ADDRESS_SHARE_FULL'))
  }

  private remove (key: string): void {
    const old = this.records.get(key)
    if (old == null) return
    this.records.delete(key)
    this.charge(old, -1)
  }

  private charge (entry: RecordEntry, sign: 1 | -1): void {
    if (entry.own) return
    this.foreignRecords += sign
    this.foreignBytes += sign * entry.value.length
    if (entry.address == null) return
    const share = this.shares.get(entry.address) ?? { records: 0, bytes: 0 }
    share.records += sign
    share.bytes += sign * entry.value.length
    if (share.records <= 0) this.shares.delete(entry.address)
    else this.shares.set(entry.address, share)
  }

  private refuse (reason: DhtRefusalReason, err: Error): Error {
    this.log('refused a DHT write: %s', reason)
    this.init.onRefusal?.(reason)
    return err
  }
}

interface DecodedRecord {
  /** The record's DHT key, as text. */
  dhtKey: string
  /** The signed account record (kad record value). */
  account: Uint8Array
  expiresAt: number
}

/** The account record inside a serialized kad record under our namespace, or undefined. */
function decodeAccountRecord (serialized: Uint8Array): DecodedRecord | undefined {
  try {
    const record = Libp2pRecord.deserialize(serialized)
    const dhtKey = new TextDecoder().decode(record.key)
    if (!dhtKey.startsWith(ACCOUNT_KEY_PREFIX)) return undefined
    const body = AccountRecordBody.decode(SignedAccountRecord.decode(record.value).body)
    return { dhtKey, account: record.value, expiresAt: Number(body.expiresAt) }
  } catch {
    return undefined
  }
}
