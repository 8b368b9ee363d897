import type { AbortOptions } from '@libp2p/interface'
import { join } from 'node:path'
import { openStore, type ScryptParams, type Store } from '../store/index.js'
import { ensurePrivateDir, holdsFiles } from '../store/store-files.js'
import { NoAccountError } from './errors.js'

// the half of home.ts that needs no libp2p: a daemon opens its store (scrypt on the thread
// pool) while the main thread is still importing the network stack

/** File and folder names inside a Parley home directory (Node). */
export const HOME_LAYOUT = {
  /** The encrypted LevelDB store: keys, contacts, messages, libp2p's datastore. */
  store: 'store'
} as const

/** True when `home` holds a Parley store (an account, or what is left of one). */
export async function hasAccount (home: string): Promise<boolean> {
  return await holdsFiles(join(home, HOME_LAYOUT.store))
}

/**
 * Opens the encrypted store of a home directory (creating the directory and the store when
 * `create` is set). Throws NoAccountError when there is none, WrongPassphraseError for a
 * wrong passphrase, StoreCorruptError (nothing changed on disk) when the store's files are
 * there but damaged. The home and the store directory are set to 0700 (also when they
 * existed with a wider mode), the store's files to 0600.
 *
 * @example
 * ```ts
 * const store = await openHomeStore({ home: '/home/me/.parley', passphrase, create: true })
 * const node = await ParleyNode.open({ store, create: true })
 * ```
 */
export async function openHomeStore (init: { home: string, passphrase: string, create?: boolean, kdf?: ScryptParams }, options: AbortOptions = {}): Promise<Store> {
  const location = join(init.home, HOME_LAYOUT.store)
  if (!(await holdsFiles(location)) && init.create !== true) throw new NoAccountError(`No account in ${init.home}: run \`parley init\` first`)
  await ensurePrivateDir(init.home)
  return await openStore({ location, passphrase: init.passphrase, kdf: init.kdf, signal: options.signal })
}
