import type { AbortOptions } from '@libp2p/interface'
import { linkDevice } from '../device/device-link.js'
import { storeHasAccount } from '../device/index.js'
import { createEphemeralNode, reachableOnlyViaRelays } from '../p2p/index.js'
import type { ScryptParams } from '../store/index.js'
import { openHomeNode, openHomeStore } from './home.js'
import { HomeMessenger, type MessengerInit } from './messenger.js'
import type { ParleyNodeInit } from './parley-node.js'

export interface OpenHomeMessengerInit extends Omit<ParleyNodeInit, 'store' | 'closeStoreOnStop'>, Omit<MessengerInit, 'node' | 'store'> {
  home: string
  passphrase: string
  kdf?: ScryptParams
  /** Join an existing account as a new device (a code from `createDeviceLink()` on one of its devices). */
  linkCode?: string
  /** With `linkCode`: called with the short authentication string to show while the existing device's user confirms. */
  onLinkSas?: (sas: string) => void
}

/**
 * Node: opens (or creates) the account in a home directory and returns its messenger, not yet
 * started. Relays, when given, are also used as bootstrap peers. The messenger owns the node it
 * opened: its `stop()` stops the messenger, then the node, which closes the store.
 *
 * @example
 * ```ts
 * const messenger = await openHomeMessenger({ home, passphrase, create: true, relays: ['/ip4/…/tcp/4001/p2p/…'] })
 * await messenger.start()
 * await messenger.stop()
 * ```
 */
export async function openHomeMessenger (init: OpenHomeMessengerInit, options: AbortOptions = {}): Promise<HomeMessenger> {
  const { relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now, linkCode, onLinkSas, ...nodeInit } = init
  if (linkCode != null) {
    const store = await openHomeStore({ home: init.home, passphrase: init.passphrase, create: true, kdf: init.kdf }, options)
    try {
      if (!(await storeHasAccount(store))) {
        await linkDevice({
          store,
          code: linkCode,
          createEphemeralNode: async (opts) => createEphemeralNode({ ...opts, allowPrivateAddresses }),
          relayedOnly: reachableOnlyViaRelays,
          onSas: onLinkSas
        }, { signal: options.signal })
      }
    } finally {
      await store.close()
    }
  }
  const node = await openHomeNode({
    ...nodeInit,
    allowPrivateAddresses,
    bootstrap: [...(nodeInit.bootstrap ?? []), ...(relays ?? [])]
  }, options)
  return new HomeMessenger({ node, store: node.store, relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now })
}
