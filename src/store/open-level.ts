import { rm } from 'node:fs/promises'
import { Level } from 'level'
import { StoreKeyUnavailableError } from './errors.js'
import { passphraseKeySource } from './key-source.js'
import { LevelKv, type BinaryLevel } from './level-backend.js'
import { openOnBackend } from './open-backend.js'
import { StoreLockedError } from './errors.js'
import type { OpenStoreOptions } from './open-options.js'
import type { Store } from './store.js'

/**
 * Opens (or creates) the encrypted store in a LevelDB directory (Node). The browser build swaps
 * this file for `open-level.browser.ts` (IndexedDB).
 *
 * @example
 * ```ts
 * const store = await openStore({ location: '/home/me/.parley/store', passphrase })
 * ```
 */
export async function openStore (options: OpenStoreOptions): Promise<Store> {
  options.signal?.throwIfAborted()
  if (options.passphrase === undefined) throw new StoreKeyUnavailableError('a passphrase is required to open a store in Node')
  const source = passphraseKeySource(options.passphrase, options.kdf)
  const db: BinaryLevel = new Level<Uint8Array, Uint8Array>(options.location, { keyEncoding: 'view', valueEncoding: 'view', compression: false })
  try {
    await db.open()
  } catch (err) {
    // LevelDB allows one process per database: say so plainly rather than as an I/O error
    if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(`The store at ${options.location} is in use by another process`, { cause: err })
    throw err
  }
  return await openOnBackend(new LevelKv(db, { sync: options.sync }), source, {
    destroy: async () => { await destroyStore(options.location) }
  }, options)
}

/**
 * Deletes a closed store's files.
 *
 * @example
 * ```ts
 * await destroyStore('/home/me/.parley/store')
 * ```
 */
export async function destroyStore (location: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  options.signal?.throwIfAborted()
  await rm(location, { recursive: true, force: true })
}
