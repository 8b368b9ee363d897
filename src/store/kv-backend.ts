/**
 * The narrow key/value interface every store backend implements: binary keys in byte order,
 * atomic batches, ranged iteration. LevelDB (classic-level), IndexedDB (`idb-backend.ts`) and the
 * in-memory test backend all sit behind it; nothing above it knows which one it talks to.
 */

export type KvOp =
  | { type: 'put', key: Uint8Array, value: Uint8Array }
  | { type: 'del', key: Uint8Array }

export interface KvRange {
  gte?: Uint8Array
  gt?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
  reverse?: boolean
  /** Maximum number of entries; unlimited when absent. */
  limit?: number
}

export interface KvBackend {
  get (key: Uint8Array): Promise<Uint8Array | undefined>
  getMany (keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>
  /** Applies every operation or none. */
  batch (ops: KvOp[]): Promise<void>
  /** Entries within `range`, in key order (or reversed). */
  entries (range: KvRange): AsyncIterable<[Uint8Array, Uint8Array]>
  /** Entries within `range` collected at once (for bounded pages: give a `limit`). */
  range (range: KvRange): Promise<Array<[Uint8Array, Uint8Array]>>
  /** Keys within `range`, in key order (or reversed). */
  keys (range: KvRange): AsyncIterable<Uint8Array>
  /** Deletes every entry within `range` (everything when omitted). */
  clear (range?: KvRange): Promise<void>
  /** Reclaims space so deleted values leave the files (LevelDB); a no-op elsewhere. */
  compact (): Promise<void>
  /** True when {@link compactRange} rewrites files (LevelDB in Node); false for IndexedDB and memory. */
  readonly canCompactRange: boolean
  /**
   * Flushes the write buffer and compacts the table files holding keys from `start` to `end`
   * (inclusive) down the levels; a no-op where {@link canCompactRange} is false.
   */
  compactRange (start: Uint8Array, end: Uint8Array): Promise<void>
  close (): Promise<void>
}
