import type { ComponentLogger } from '@libp2p/interface'
import type { ScryptParams } from './passphrase-keyring.js'

/** Options of `openStore` (the same in Node and browsers). */
export interface OpenStoreOptions {
  /** Node: directory of the LevelDB database. Browser: name of the IndexedDB database. */
  location: string
  /**
   * Node: required; unlocks (or, for a new store, protects) the store key.
   * Browser: optional; without it the store key is a non-extractable WebCrypto key kept in IndexedDB.
   */
  passphrase?: string
  /** scrypt cost for a new store or a changed passphrase. @default { N: 2 ** 15, r: 8, p: 1 } */
  kdf?: ScryptParams
  /** Node: fsync every batch (survives power loss, not only process crashes). @default false */
  sync?: boolean
  /**
   * Node: longest time a deleted or replaced value stays in LevelDB's files before the
   * background compaction purges it (close and `compactDeleted()` purge at once).
   * @default 2000
   */
  compactionDelayMs?: number
  /** Where the store logs (compaction runs and failures). @default errors to console.error only */
  logger?: ComponentLogger
  signal?: AbortSignal
}
