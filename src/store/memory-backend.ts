import { compareBytes, toHex } from '../bytes.js'
import type { KvBackend, KvOp, KvRange } from './kv-backend.js'

/**
 * The data held by a {@link MemoryKv}; keep it to "reopen" the same in-memory database.
 *
 * @example
 * ```ts
 * const data = new MemoryKvData()
 * const kv = new MemoryKv(data); await kv.close()
 * const again = new MemoryKv(data) // sees what `kv` wrote
 * ```
 */
export class MemoryKvData {
  /** Keys in byte order. */
  readonly keys: Uint8Array[] = []
  /** Hex key → value. */
  readonly values = new Map<string, Uint8Array>()
}

/** Index of the first key ≥ `key` (binary search). */
function lowerBound (keys: Uint8Array[], key: Uint8Array): number {
  let lo = 0; let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareBytes(keys[mid], key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

function inRange (key: Uint8Array, r: KvRange): boolean {
  if (r.gte !== undefined && compareBytes(key, r.gte) < 0) return false
  if (r.gt !== undefined && compareBytes(key, r.gt) <= 0) return false
  if (r.lte !== undefined && compareBytes(key, r.lte) > 0) return false
  if (r.lt !== undefined && compareBytes(key, r.lt) >= 0) return false
  return true
}

/**
 * A sorted in-memory {@link KvBackend} for unit tests. Not persistent, not for production.
 *
 * @example
 * ```ts
 * const kv = new MemoryKv()
 * await kv.batch([{ type: 'put', key: new Uint8Array([1]), value: new Uint8Array([2]) }])
 * ```
 */
export class MemoryKv implements KvBackend {
  private readonly data: MemoryKvData

  constructor (data: MemoryKvData = new MemoryKvData()) {
    this.data = data
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = this.data.values.get(toHex(key))
    return v?.slice()
  }

  async getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return keys.map((k) => this.data.values.get(toHex(k))?.slice())
  }

  async batch (ops: KvOp[]): Promise<void> {
    for (const op of ops) {
      const hex = toHex(op.key)
      const exists = this.data.values.has(hex)
      if (op.type === 'put') {
        if (!exists) this.data.keys.splice(lowerBound(this.data.keys, op.key), 0, op.key.slice())
        this.data.values.set(hex, op.value.slice())
      } else if (exists) {
        this.data.keys.splice(lowerBound(this.data.keys, op.key), 1)
        this.data.values.delete(hex)
      }
    }
  }

  private snapshot (range: KvRange): Uint8Array[] {
    const { keys } = this.data
    const start = range.gte !== undefined ? lowerBound(keys, range.gte) : range.gt !== undefined ? lowerBound(keys, range.gt) : 0
    const out: Uint8Array[] = []
    for (let i = start; i < keys.length; i++) {
      const k = keys[i]
      if (range.lt !== undefined && compareBytes(k, range.lt) >= 0) break
      if (range.lte !== undefined && compareBytes(k, range.lte) > 0) break
      if (inRange(k, range)) out.push(k)
    }
    if (range.reverse === true) out.reverse()
    return range.limit !== undefined && range.limit >= 0 ? out.slice(0, range.limit) : out
  }

  async * entries (range: KvRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    for (const k of this.snapshot(range)) {
      const v = this.data.values.get(toHex(k))
      if (v !== undefined) yield [k.slice(), v.slice()]
    }
  }

  async range (range: KvRange): Promise<Array<[Uint8Array, Uint8Array]>> {
    const out: Array<[Uint8Array, Uint8Array]> = []
    for await (const e of this.entries(range)) out.push(e)
    return out
  }

  async * keys (range: KvRange): AsyncIterable<Uint8Array> {
    for (const k of this.snapshot(range)) yield k.slice()
  }

  async clear (range: KvRange = {}): Promise<void> {
    const ops: KvOp[] = this.snapshot({ ...range, limit: undefined }).map((key) => ({ type: 'del', key }))
    await this.batch(ops)
  }

  async compact (): Promise<void> {}

  readonly canCompactRange = false

  async compactRange (): Promise<void> {}

  async close (): Promise<void> {}
}
