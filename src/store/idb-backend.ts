/**
 * The browser's {@link KvBackend}: IndexedDB through the `idb` promise wrapper, in browser-level's
 * on-disk layout so stores written by the earlier `level`-based build open unchanged:
 *
 * - database `<prefix><location>`, version 1, one object store named `<location>`
 *   (out-of-line keys);
 * - keys are binary (`Uint8Array` in, `ArrayBuffer` out), which IndexedDB orders bytewise, the
 *   same order as LevelDB; values are `Uint8Array`s (structured clones).
 *
 * Browser-only: reached from `open-level.browser.ts` and `browser/idb-blobs.ts`.
 */
import { openDB, type IDBPDatabase, type IDBPObjectStore } from 'idb'
import type { AbortOptions } from '@libp2p/interface'
import { StoreClosedError } from './errors.js'
import type { KvBackend, KvOp, KvRange } from './kv-backend.js'

/** Entries fetched per IndexedDB transaction when iterating. */
const CHUNK = 256
/** browser-level's database version (its `version` option, which Parley never set). */
const VERSION = 1

type Store<Mode extends IDBTransactionMode = 'readonly' | 'readwrite'> = IDBPObjectStore<unknown, [string], string, Mode>
type Entry = [Uint8Array, Uint8Array]

const te = new TextEncoder()

/** A key as IndexedDB takes it: the bytes of the view (a binary key). */
const idbKey = (key: Uint8Array): IDBValidKey => key as Uint8Array<ArrayBuffer>

/** A stored key or value as bytes (values written by level-js before 5.0 may be strings). */
function bytes (data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return te.encode(String(data))
}

/**
 * The `IDBKeyRange` of `r` (null: everything), or `false` when it is empty (lower bound above
 * the upper one, which IndexedDB refuses with a DataError). `gte` wins over `gt`, `lte` over
 * `lt`, as in abstract-level.
 */
function keyRange (r: KvRange): IDBKeyRange | null | false {
  const lower = r.gte ?? r.gt
  const upper = r.lte ?? r.lt
  const lowerOpen = r.gte === undefined
  const upperOpen = r.lte === undefined
  try {
    if (lower !== undefined && upper !== undefined) return IDBKeyRange.bound(lower, upper, lowerOpen, upperOpen)
    if (lower !== undefined) return IDBKeyRange.lowerBound(lower, lowerOpen)
    if (upper !== undefined) return IDBKeyRange.upperBound(upper, upperOpen)
    return null
  } catch (err) {
    if (err instanceof DOMException && err.name === 'DataError') return false
    throw err
  }
}

/** Entries left to read: Infinity without a (non-negative, finite) limit, as abstract-level. */
function budget (r: KvRange): number {
  return r.limit === undefined || r.limit < 0 || !Number.isFinite(r.limit) ? Infinity : Math.floor(r.limit)
}

/**
 * Up to `count` entries (count ≥ 1) of `range` in one transaction, values only when `values`.
 * Forward: `getAllKeys` and `getAll` on the same transaction (one snapshot); reverse: a `prev` cursor.
 */
async function readChunk (store: Store, range: IDBKeyRange | null, count: number, reverse: boolean, values: boolean): Promise<Array<[Uint8Array, Uint8Array | undefined]>> {
  const n = Number.isFinite(count) ? count : undefined
  if (!reverse) {
    const [keys, vals] = await Promise.all([store.getAllKeys(range, n), values ? store.getAll(range, n) : undefined])
    return keys.map((k, i) => [bytes(k), vals === undefined ? undefined : bytes(vals[i])])
  }
  const out: Array<[Uint8Array, Uint8Array | undefined]> = []
  let cursor = values ? await store.openCursor(range, 'prev') : await store.openKeyCursor(range, 'prev')
  while (cursor !== null) {
    out.push([bytes(cursor.key), values ? bytes((cursor as unknown as { value: unknown }).value) : undefined])
    if (out.length >= count) break
    cursor = await cursor.continue()
  }
  return out
}

/**
 * A {@link KvBackend} over one IndexedDB object store. Open it with {@link openIdbKv}.
 *
 * @example
 * ```ts
 * const kv = await openIdbKv('parley', { prefix: 'parley-store-' })
 * await kv.batch([{ type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(2) }])
 * await kv.close()
 * ```
 */
export class IdbKv implements KvBackend {
  readonly canCompactRange = false
  private closed = false

  constructor (private readonly db: IDBPDatabase, private readonly storeName: string) {}

  private store<Mode extends 'readonly' | 'readwrite'> (mode: Mode): Store<Mode> {
    if (this.closed) throw new StoreClosedError('the IndexedDB database is closed')
    return this.db.transaction(this.storeName, mode).store as Store<Mode>
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    const v: unknown = await this.store('readonly').get(idbKey(key))
    return v === undefined ? undefined : bytes(v)
  }

  async getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return []
    const store = this.store('readonly')
    const values: unknown[] = await Promise.all(keys.map(async (k) => await store.get(idbKey(k))))
    return values.map((v) => v === undefined ? undefined : bytes(v))
  }

  /** One readwrite transaction: a failing request aborts it, and with it every other operation. */
  async batch (ops: KvOp[]): Promise<void> {
    if (ops.length === 0) return
    const tx = this.store('readwrite').transaction
    const requests: Array<Promise<unknown>> = [tx.done]
    try {
      for (const op of ops) requests.push(op.type === 'put' ? tx.store.put(op.value, idbKey(op.key)) : tx.store.delete(idbKey(op.key)))
    } catch (err) {
      // an invalid key throws synchronously: nothing of the batch may land
      tx.abort()
      await Promise.allSettled(requests)
      throw err
    }
    await Promise.all(requests)
  }

  private async * chunks (r: KvRange, values: boolean): AsyncGenerator<Array<[Uint8Array, Uint8Array | undefined]>> {
    let left = budget(r)
    let current: KvRange = { ...r }
    while (left > 0) {
      const range = keyRange(current)
      if (range === false) return
      const chunk = await readChunk(this.store('readonly'), range, Math.min(CHUNK, left), r.reverse === true, values)
      if (chunk.length === 0) return
      left -= chunk.length
      yield chunk
      // the next chunk starts after the last key read (before it, in reverse)
      const last = chunk[chunk.length - 1][0]
      current = r.reverse === true ? { ...current, lt: last, lte: undefined } : { ...current, gt: last, gte: undefined }
    }
  }

  async * entries (range: KvRange): AsyncIterable<Entry> {
    for await (const chunk of this.chunks(range, true)) yield * chunk as Entry[]
  }

  async * keys (range: KvRange): AsyncIterable<Uint8Array> {
    for await (const chunk of this.chunks(range, false)) for (const [k] of chunk) yield k
  }

  /** One transaction for the whole range (give a `limit` for bounded pages). */
  async range (r: KvRange): Promise<Entry[]> {
    const left = budget(r)
    const range = keyRange(r)
    if (left === 0 || range === false) return []
    return await readChunk(this.store('readonly'), range, left, r.reverse === true, true) as Entry[]
  }

  async clear (r: KvRange = {}): Promise<void> {
    const left = budget(r)
    const range = keyRange(r)
    if (left === 0 || range === false) return
    const store = this.store('readwrite')
    if (left === Infinity) {
      await Promise.all([range === null ? store.clear() : store.delete(range), store.transaction.done])
      return
    }
    // IDBObjectStore.delete(range) has no limit: walk the first `left` keys in order
    let cursor = await store.openKeyCursor(range, r.reverse === true ? 'prev' : 'next')
    for (let n = 0; cursor !== null && n < left; n++) {
      await store.delete(cursor.primaryKey)
      cursor = await cursor.continue()
    }
    await store.transaction.done
  }

  async compact (): Promise<void> {}

  async compactRange (): Promise<void> {}

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }
}

/**
 * Opens (creating it when missing) the IndexedDB key/value database `location` in browser-level's
 * layout: database `prefix + location`, object store `location`.
 *
 * @example
 * ```ts
 * const kv = await openIdbKv('parley', { prefix: 'parley-store-' })
 * ```
 */
export async function openIdbKv (location: string, options: AbortOptions & { prefix: string }): Promise<IdbKv> {
  options.signal?.throwIfAborted()
  if (location === '') throw new TypeError('an IndexedDB location must be a non-empty string')
  const db = await openDB(options.prefix + location, VERSION, {
    upgrade (db) {
      if (!db.objectStoreNames.contains(location)) db.createObjectStore(location)
    }
  })
  if (options.signal?.aborted === true) {
    db.close()
    options.signal.throwIfAborted()
  }
  return new IdbKv(db, location)
}
