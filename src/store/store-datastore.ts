import type { AbortOptions } from '@libp2p/interface'
import { BaseDatastore } from 'datastore-core'
import { Key, type Batch, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import { fromUtf8, prefixEnd } from '../bytes.js'
import { MAX_VALUE_BYTES } from './constants.js'
import { ValueTooLargeError } from './errors.js'
import { PREFIX, datastoreKey } from './keys.js'
import type { SealedKv } from './sealed-kv.js'

/**
 * libp2p's datastore (peer store, kad-dht records) inside the Parley database, under `/ds/`.
 * Keys (PeerIds, DHT keys) are stored as they are; values are sealed like every other record
 * (the full database key is the associated data). A damaged value throws `IntegrityError`.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ datastore: store.datastore, ... })
 * ```
 */
export class StoreDatastore extends BaseDatastore {
  private readonly skv: SealedKv

  constructor (skv: SealedKv) {
    super()
    this.skv = skv
  }

  private async seal (key: Key, value: Uint8Array): Promise<{ type: 'put', key: Uint8Array, value: Uint8Array }> {
    if (!(value instanceof Uint8Array)) throw new TypeError('datastore values must be Uint8Array')
    if (value.length > MAX_VALUE_BYTES) throw new ValueTooLargeError()
    const k = datastoreKey(key.toString())
    return { type: 'put', key: k, value: await this.skv.cipher.seal(k, value) }
  }

  override async put (key: Key, val: Uint8Array, options: AbortOptions = {}): Promise<Key> {
    options.signal?.throwIfAborted()
    this.skv.check()
    await this.skv.kv.batch([await this.seal(key, val)])
    return key
  }

  override async get (key: Key, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    this.skv.check()
    const k = datastoreKey(key.toString())
    const sealed = await this.skv.kv.get(k)
    if (sealed === undefined) throw new NotFoundError(`no value for ${key.toString()}`)
    return await this.skv.cipher.open(k, sealed)
  }

  override async has (key: Key, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    this.skv.check()
    return (await this.skv.kv.get(datastoreKey(key.toString()))) !== undefined
  }

  override async delete (key: Key, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.skv.check()
    await this.skv.kv.batch([{ type: 'del', key: datastoreKey(key.toString()) }])
  }

  override batch (): Batch {
    const ops: Array<{ put: true, key: Key, value: Uint8Array } | { put: false, key: Key }> = []
    return {
      put: (key, value) => { ops.push({ put: true, key, value }) },
      delete: (key) => { ops.push({ put: false, key }) },
      commit: async (options?: AbortOptions) => {
        options?.signal?.throwIfAborted()
        this.skv.check()
        const sealed = await Promise.all(ops.map(async (op) => op.put
          ? await this.seal(op.key, op.value)
          : { type: 'del' as const, key: datastoreKey(op.key.toString()) }))
        await this.skv.kv.batch(sealed)
      }
    }
  }

  private range (prefix: string | undefined): { gte: Uint8Array, lt: Uint8Array } {
    const start = datastoreKey(prefix ?? '')
    return { gte: start, lt: prefixEnd(start.length > PREFIX.datastore.length ? start : PREFIX.datastore) }
  }

  override async * _all (q: Query, options: AbortOptions = {}): AsyncGenerator<Pair> {
    this.skv.check()
    for await (const [k, sealed] of this.skv.kv.entries(this.range(q.prefix))) {
      options.signal?.throwIfAborted()
      yield { key: new Key(fromUtf8(k.subarray(PREFIX.datastore.length)), false), value: await this.skv.cipher.open(k, sealed) }
    }
  }

  override async * _allKeys (q: KeyQuery, options: AbortOptions = {}): AsyncGenerator<Key> {
    this.skv.check()
    for await (const k of this.skv.kv.keys(this.range(q.prefix))) {
      options.signal?.throwIfAborted()
      yield new Key(fromUtf8(k.subarray(PREFIX.datastore.length)), false)
    }
  }
}
