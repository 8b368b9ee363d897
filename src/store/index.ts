/**
 * @packageDocumentation
 *
 * Parley's encrypted-at-rest persistence. `openStore` opens LevelDB in Node and IndexedDB in
 * browsers (file swap: `open-level.ts` / `open-level.browser.ts`); `openMemoryStore` is for
 * unit tests. See docs/store.md.
 */
export { openStore, destroyStore } from './open-level.js'
export { openMemoryStore, MemoryKvData, type OpenMemoryStoreOptions } from './open-memory.js'
export type { OpenStoreOptions } from './open-options.js'
export type { Store, StoreRepos, StoreTransaction, TransactionPart } from './store.js'
export { newConversationId } from './conversation-repo.js'
export type { ScryptParams } from './passphrase-keyring.js'
export type { StoredValue } from './value-codec.js'
export * from './errors.js'
export * from './types.js'
export { CURRENT_VERSION, MAX_VALUE_BYTES, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, DEFAULT_SCRYPT } from './constants.js'
