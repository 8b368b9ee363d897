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
  signal?: AbortSignal
}
