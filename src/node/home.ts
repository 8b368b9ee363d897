import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { openStore, type ScryptParams, type Store } from '../store/index.js'
import { NoAccountError } from './errors.js'
import { ParleyNode, type ParleyNodeInit } from './parley-node.js'

/** File and folder names inside a Parley home directory (Node). */
export const HOME_LAYOUT = {
  /** The encrypted LevelDB store: keys, contacts, messages, libp2p's datastore. */
  store: 'store'
} as const

async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}

/** True when `home` holds a Parley store (an account). */
export async function hasAccount (home: string): Promise<boolean> {
  return exists(join(home, HOME_LAYOUT.store))
}

/**
 * Opens the encrypted store of a home directory (creating the directory and the store when
 * `create` is set). Throws NoAccountError when there is none, WrongPassphraseError for a
 * wrong passphrase.
 *
 * @example
 * ```ts
 * const store = await openHomeStore({ home: '/home/me/.parley', passphrase, create: true })
 * const node = await ParleyNode.open({ store, create: true })
 * ```
 */
export async function openHomeStore (init: { home: string, passphrase: string, create?: boolean, kdf?: ScryptParams, signal?: AbortSignal }): Promise<Store> {
  const location = join(init.home, HOME_LAYOUT.store)
  if (!(await exists(location))) {
    if (init.create !== true) throw new NoAccountError(`No account in ${init.home}: run \`parley init\` first`)
    await mkdir(init.home, { recursive: true, mode: 0o700 })
  }
  return openStore({ location, passphrase: init.passphrase, kdf: init.kdf, signal: init.signal })
}

/**
 * Opens a home directory's store and the device on it; the node closes the store when it stops.
 *
 * @example
 * ```ts
 * const node = await openHomeNode({ home, passphrase, create: true, bootstrap })
 * await node.start()
 * ```
 */
export async function openHomeNode (init: Omit<ParleyNodeInit, 'store' | 'closeStoreOnStop'> & { home: string, passphrase: string, kdf?: ScryptParams }, options: { signal?: AbortSignal } = {}): Promise<ParleyNode> {
  const { home, passphrase, kdf, ...nodeInit } = init
  const store = await openHomeStore({ home, passphrase, create: init.create, kdf, signal: options.signal })
  try {
    return await ParleyNode.open({ ...nodeInit, store, closeStoreOnStop: true }, options)
  } catch (err) {
    await store.close()
    throw err
  }
}
