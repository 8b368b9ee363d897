import type { AbortOptions } from '@libp2p/interface'
import type { ScryptParams, Store } from '../store/index.js'
import { openHomeStore } from './home-store.js'
import { ParleyNode, type ParleyNodeInit } from './parley-node.js'

export { HOME_LAYOUT, hasAccount, openHomeStore } from './home-store.js'

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
 * Opens a home directory's store (or takes `init.store`, opened by the caller) and the device on
 * it; the node closes the store when it stops, also when opening the device fails.
 *
 * @example
 * ```ts
 * const node = await openHomeNode({ home, passphrase, create: true, bootstrap })
 * await node.start()
 * ```
 */
export async function openHomeNode (init: Omit<ParleyNodeInit, 'store'> & { home: string, passphrase: string, kdf?: ScryptParams, store?: Store }, options: AbortOptions = {}): Promise<HomeNode> {
  const { home, passphrase, kdf, store: opened, ...nodeInit } = init
  // a store the caller already opened (openHomeStore on the same home) becomes the node's
  const store = opened ?? await openHomeStore({ home, passphrase, create: init.create, kdf }, options)
  try {
    return await HomeNode.openOwning({ ...nodeInit, store }, options)
  } catch (err) {
    await store.close()
    throw err
  }
}
