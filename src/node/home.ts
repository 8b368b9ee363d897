import type { AbortOptions } from '@libp2p/interface'
import { join } from 'node:path'
import { openStore, type ScryptParams, type Store } from '../store/index.js'
import { ensurePrivateDir, holdsFiles } from '../store/store-files.js'
import { NoAccountError } from './errors.js'
import { ParleyNode, type ParleyNodeInit } from './parley-node.js'

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

/**
 * A device opened from a home directory by {@link openHomeNode}: it opened the store, so its
 * `stop()` stops the node and then closes the store (ownership by construction).
 */
export class HomeNode extends ParleyNode {
  /** Stops the node, then closes the store it opened. */
  override async stop (options: AbortOptions = {}): Promise<void> {
    try {
      await super.stop(options)
    } finally {
      await this.store.close()
    }
  }

  /** Opens the device on `store`, which the returned node owns (closes when it stops). */
  static async openOwning (init: ParleyNodeInit, options: AbortOptions = {}): Promise<HomeNode> {
    const parts = await ParleyNode.assemble(init, options)
    return new HomeNode(init, ...parts)
  }
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
export async function openHomeNode (init: Omit<ParleyNodeInit, 'store'> & { home: string, passphrase: string, kdf?: ScryptParams }, options: AbortOptions = {}): Promise<HomeNode> {
  const { home, passphrase, kdf, ...nodeInit } = init
  const store = await openHomeStore({ home, passphrase, create: init.create, kdf }, options)
  try {
    return await HomeNode.openOwning({ ...nodeInit, store }, options)
  } catch (err) {
    await store.close()
    throw err
  }
}
