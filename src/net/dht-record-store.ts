import { Libp2pRecord } from '@libp2p/record'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import type { AbortOptions, ComponentLogger, Logger, Startable } from '@libp2p/interface'
import { BaseDatastore } from 'datastore-core'
import { Key, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import { NETWORK_SHARE_FACTOR, type DhtRecordLimits } from './dht-record-limits.js'
import { DhtRecordRefusedError, DhtStoreFullError, RecordRollbackError } from './errors.js'
import type { ParleyRecords } from './parley-records.js'

/** kad-dht's datastore prefix for PUT_VALUE records (its default `/dht` + `/record`). */
export const DHT_RECORD_PREFIX = '/dht/record/'

/** Why a write was refused: the label of the refusal counters. */
export type DhtRefusalReason =
  | 'rollback' | 'full' | 'address_full' | 'network_full' | 'other_full' | 'invalid'
  | 'rate_limited_peer' | 'rate_limited_address' | 'rate_limited_network'

/** Who asked to store a record: a remote address (its rate-limit key), or this node itself. */
export interface RecordOrigin {
  /** The remote address's key (IPv4, IPv6 /64); undefined when exempt from per-address shares or local. */
  address?: string
  /** IPv6 only: the /48 around `address`, charged a share of its own. */
  network?: string
}

export interface DhtRecordStoreInit {
  limits: DhtRecordLimits
  /** The namespace's rules (selector, expiry), fleet rules loaded on the first fleet key written. */
  rules: ParleyRecords
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
  network: string | undefined
}

interface AddressShare { records: number, bytes: number }

/**
 * The datastore kad-dht sees: an in-memory, bounded store of other people's DHT records, kept
 * apart from the user's encrypted store (which keeps libp2p's peer store only). For account
 * records (`/dht/record/…`) every write runs the account-record selector against the record
 * held under the same key and refuses an older one ({@link RecordRollbackError}), and foreign
 * records are capped in count and bytes, overall, per remote address (IPv4, IPv6 /64) and per
 * IPv6 /48
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
  /** Shares of IPv6 /48s, across their /64s. */
  private readonly networkShares = new Map<string, AddressShare>()
  private readonly networkShare: AddressShare
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
    this.networkShare = {
      records: init.limits.maxRecordsPerNetwork ?? NETWORK_SHARE_FACTOR * init.limits.maxRecordsPerAddress,
      bytes: init.limits.maxRecordBytesPerNetwork ?? NETWORK_SHARE_FACTOR * init.limits.maxRecordBytesPerAddress
    }
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
    this.networkShares.clear()
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
    await this.prepare(key.toString(), value, options)
    this.write(key.toString(), value, origin)
    return key
  }

  override async put (key: Key, value: Uint8Array, options: AbortOptions = {}): Promise<Key> {
    options.signal?.throwIfAborted()
    await this.prepare(key.toString(), value, options)
    this.write(key.toString(), value, {})
    return key
  }

  /**
   * Loads the rules a record write needs (a fleet record's, in the browser a lazy chunk) before
   * the write itself, which then runs without a pause: the rollback check and the store stay one
   * step, whatever writes run beside it.
   */
  private async prepare (key: string, value: Uint8Array, options: AbortOptions): Promise<void> {
    if (!key.startsWith(DHT_RECORD_PREFIX)) return
    const dhtKey = recordDhtKey(value)
    if (dhtKey != null) await this.init.rules.ready(dhtKey, options)
    options.signal?.throwIfAborted()
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
    const decoded = this.decodeRecord(value)
    if (decoded == null) throw this.refuse('invalid', new DhtRecordRefusedError('Not an account or fleet record'))
    const existing = this.records.get(key)
    if (existing != null && this.init.rules.select(decoded.dhtKey, [decoded.account, this.decodeRecord(existing.value)?.account ?? value]) !== 0) {
      throw this.refuse('rollback', new RecordRollbackError())
    }
    const own = this.ownKeys.has(decoded.dhtKey)
    const entry: RecordEntry = { value, expiresAt: decoded.expiresAt, own, address: own ? undefined : origin.address, network: own || origin.address == null ? undefined : origin.network }
    if (!own) this.makeRoom(key, entry)
    this.remove(key)
    this.records.set(key, entry)
    this.charge(entry, 1)
  }

  /** Throws unless `entry` fits (overall, in its address's share and its /48's) once `key`'s old value is gone. */
  private makeRoom (key: string, entry: RecordEntry): void {
    const fits = (): DhtRefusalReason | undefined => {
      const old = this.records.get(key)
      const freed = old != null && !old.own ? { records: 1, bytes: old.value.length } : { records: 0, bytes: 0 }
      if (this.foreignRecords - freed.records + 1 > this.limits.maxRecords ||
        this.foreignBytes - freed.bytes + entry.value.length > this.limits.maxRecordBytes) return 'full'
      /** True when `entry` does not fit in the share under `holder`, whose limits are `limit`. */
      const over = (shares: Map<string, AddressShare>, holder: string, oldHolder: string | undefined, limit: AddressShare): boolean => {
        const share = shares.get(holder) ?? { records: 0, bytes: 0 }
        const same = oldHolder === holder
        return share.records - (same ? freed.records : 0) + 1 > limit.records ||
          share.bytes - (same ? freed.bytes : 0) + entry.value.length > limit.bytes
      }
      if (entry.address != null && over(this.shares, entry.address, old?.address, { records: this.limits.maxRecordsPerAddress, bytes: this.limits.maxRecordBytesPerAddress })) return 'address_full'
      if (entry.network != null && over(this.networkShares, entry.network, old?.network, this.networkShare)) return 'network_full'
      return undefined
    }
    let reason = fits()
    if (reason != null && this.prune() > 0) reason = fits()
    if (reason === 'full') throw this.refuse(reason, new DhtStoreFullError())
    if (reason === 'address_full') throw this.refuse(reason, new DhtStoreFullError('This address holds its share of DHT records', 'ERR_DHT_ADDRESS_SHARE_FULL'))
    // the same code as an address's share: to the sender, its /48 is its address (the metric tells them apart)
    if (reason === 'network_full') throw this.refuse(reason, new DhtStoreFullError('This network (IPv6 /48) holds its share of DHT records', 'ERR_DHT_ADDRESS_SHARE_FULL'))
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
    if (entry.address != null) chargeShare(this.shares, entry.address, sign, entry.value.length)
    if (entry.network != null) chargeShare(this.networkShares, entry.network, sign, entry.value.length)
  }

  /** The account or fleet record inside a serialized kad record under our namespace, or undefined. */
  private decodeRecord (serialized: Uint8Array): DecodedRecord | undefined {
    try {
      const record = Libp2pRecord.deserialize(serialized)
      const dhtKey = new TextDecoder().decode(record.key)
      const expiresAt = this.init.rules.expiry(dhtKey, record.value)
      if (expiresAt == null) return undefined
      return { dhtKey, account: record.value, expiresAt }
    } catch {
      return undefined
    }
  }

  private refuse (reason: DhtRefusalReason, err: Error): Error {
    this.log('refused a DHT write: %s', reason)
    this.init.onRefusal?.(reason)
    return err
  }
}

/** Adds (or takes back) one record of `bytes` to `holder`'s share; an empty share is forgotten. */
function chargeShare (shares: Map<string, AddressShare>, holder: string, sign: 1 | -1, bytes: number): void {
  const share = shares.get(holder) ?? { records: 0, bytes: 0 }
  share.records += sign
  share.bytes += sign * bytes
  if (share.records <= 0) shares.delete(holder)
  else shares.set(holder, share)
}

interface DecodedRecord {
  /** The record's DHT key, as text. */
  dhtKey: string
  /** The signed account or fleet record (kad record value). */
  account: Uint8Array
  expiresAt: number
}

/** The DHT key (text) of a serialized kad record, or undefined when it does not deserialize. */
function recordDhtKey (serialized: Uint8Array): string | undefined {
  try {
    return new TextDecoder().decode(Libp2pRecord.deserialize(serialized).key)
  } catch {
    return undefined
  }
}
