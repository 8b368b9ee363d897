import type { AbortOptions } from '@libp2p/interface'
import { rm } from 'node:fs/promises'
import { Level } from 'level'
import { StoreCorruptError, StoreKeyUnavailableError, StoreLockedError } from './errors.js'
import { passphraseKeySource } from './key-source.js'
import { LevelKv, type BinaryLevel } from './level-backend.js'
import { openOnBackend } from './open-backend.js'
import { ensurePrivateDir, holdsFiles, restrictFiles } from './store-files.js'
import type { OpenStoreOptions } from './open-options.js'
import type { Store } from './store.js'

/**
 * Opens (or creates) the encrypted store in a LevelDB directory (Node). The browser build swaps
 * this file for `open-level.browser.ts` (IndexedDB).
 *
 * A new store is created only where the directory is absent or empty; a directory holding
 * files that do not open as a complete store is {@link StoreCorruptError}, and nothing in it is
 * changed. The directory is set to 0700 and its files to 0600.
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
  const location = options.location
  const existed = await holdsFiles(location)
  await ensurePrivateDir(location)
  // never let LevelDB start a new database over files it cannot open (it would delete them)
  const db: BinaryLevel = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', compression: false, createIfMissing: !existed })
  try {
    await db.open()
  } catch (err) {
    // LevelDB allows one process per database: say so plainly rather than as an I/O error
    if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(`The store at ${location} is in use by another process`, { cause: err })
    if (existed) throw new StoreCorruptError(`The store at ${location} does not open as a LevelDB database (${(err as { cause?: Error }).cause?.message ?? (err as Error).message})`, { cause: err })
    throw err
  }
  const protectFiles = async (): Promise<void> => { await restrictFiles(location) }
  await protectFiles()
  return await openOnBackend(new LevelKv(db, { sync: options.sync, protectFiles }), source, {
    destroy: async () => { await destroyStore(location) }
  }, {
    signal: options.signal,
    logger: options.logger,
    compaction: options.compactionDelayMs !== undefined ? { delayMs: options.compactionDelayMs } : undefined
  })
}

/**
 * Deletes a closed store's files.
 *
 * @example
 * ```ts
 * await destroyStore('/home/me/.parley/store')
 * ```
 */
export async function destroyStore (location: string, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  await rm(location, { recursive: true, force: true })
}
