import type { KvBackend, KvOp, KvRange } from './kv-backend.js'
import type { Level } from 'level'

/** The `level` database type the backend drives (ClassicLevel in Node, BrowserLevel in browsers). */
export type BinaryLevel = Level<Uint8Array, Uint8Array>

interface Compactable {
  compactRange?: (start: Uint8Array, end: Uint8Array, options?: { keyEncoding?: string }) => Promise<void>
}

/** Entries fetched per `nextv` call when iterating. */
const CHUNK = 256

/** Bounds of the whole key space, for compactions that must cover everything. */
export const KEYSPACE_START = new Uint8Array([0])
export const KEYSPACE_END = new Uint8Array(64).fill(0xff)

function levelRange (r: KvRange): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  if (r.gte !== undefined) o.gte = r.gte
  if (r.gt !== undefined) o.gt = r.gt
  if (r.lt !== undefined) o.lt = r.lt
  if (r.lte !== undefined) o.lte = r.lte
  if (r.reverse === true) o.reverse = true
  if (r.limit !== undefined) o.limit = r.limit
  return o
}

/**
 * A {@link KvBackend} over an opened `level` database with `view` key and value encodings.
 *
 * @example
 * ```ts
 * const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
 * await db.open()
 * const kv = new LevelKv(db)
 * ```
 */
export class LevelKv implements KvBackend {
  readonly db: BinaryLevel
  private readonly sync: boolean
  private readonly protectFiles?: () => Promise<void>

  /**
   * @param options.sync - fsync every batch (survives power loss; ~10× slower)
   * @param options.protectFiles - run after compactions and close (Node: chmod the files 0600)
   */
  constructor (db: BinaryLevel, options: { sync?: boolean, protectFiles?: () => Promise<void> } = {}) {
    this.db = db
    this.sync = options.sync ?? false
    this.protectFiles = options.protectFiles
  }

  get canCompactRange (): boolean {
    return typeof (this.db as unknown as Compactable).compactRange === 'function'
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    return await this.db.get(key) ?? undefined
  }

  async getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return []
    return (await this.db.getMany(keys)).map((v) => v ?? undefined)
  }

  async batch (ops: KvOp[]): Promise<void> {
    if (ops.length === 0) return
    const batch = this.db.batch.bind(this.db) as unknown as (ops: KvOp[], options: { sync: boolean }) => Promise<void>
    await batch(ops, { sync: this.sync })
  }

  async * entries (range: KvRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    const it = this.db.iterator(levelRange(range))
    try {
      while (true) {
        const chunk = await it.nextv(CHUNK)
        if (chunk.length === 0) break
        for (const e of chunk) yield e
      }
    } finally {
      await it.close()
    }
  }

  async range (range: KvRange): Promise<Array<[Uint8Array, Uint8Array]>> {
    return await this.db.iterator(levelRange(range)).all()
  }

  async * keys (range: KvRange): AsyncIterable<Uint8Array> {
    const it = this.db.keys(levelRange(range))
    try {
      while (true) {
        const chunk = await it.nextv(CHUNK)
        if (chunk.length === 0) break
        for (const k of chunk) yield k
      }
    } finally {
      await it.close()
    }
  }

  async clear (range: KvRange = {}): Promise<void> {
    await this.db.clear(levelRange(range))
  }

  async compactRange (start: Uint8Array, end: Uint8Array): Promise<void> {
    const db = this.db as unknown as Compactable
    if (typeof db.compactRange !== 'function') return
    await db.compactRange(start, end, { keyEncoding: 'view' })
    await this.protectFiles?.()
  }

  async compact (): Promise<void> {
    if (!this.canCompactRange) return
    await this.compactRange(KEYSPACE_START, KEYSPACE_END)
    // A value and its tombstone flushed together from the write buffer can land in one table
    // at the deepest level, which LevelDB's compactRange never rewrites. Two fresh tombstones
    // at the ends of the key space (for keys that never exist) make the next flush span every
    // table, so the second pass rewrites them all and drops what the deletes hid.
    await this.batch([{ type: 'del', key: KEYSPACE_START }, { type: 'del', key: KEYSPACE_END }])
    await this.compactRange(KEYSPACE_START, KEYSPACE_END)
    // reopening writes a fresh MANIFEST: the old one still names the key ranges of deleted tables
    await this.db.close()
    await this.db.open()
  }

  async close (): Promise<void> {
    await this.db.close()
    await this.protectFiles?.()
  }
}
