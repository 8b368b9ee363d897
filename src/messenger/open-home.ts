// TEMPORARY: node wiring; merges into src/node/home.ts in the integration step.
import { openHomeNode, openHomeStore } from '../node/home.js'
import { storeHasAccount } from '../node/device-identity.js'
import { linkDevice } from './device-link.js'
import type { ParleyNodeInit } from '../node/parley-node.js'
import type { ScryptParams } from '../store/index.js'
import { createMessenger, type Messenger, type MessengerInit } from './messenger.js'

export interface OpenHomeMessengerInit extends Omit<ParleyNodeInit, 'store' | 'closeStoreOnStop'>, Omit<MessengerInit, 'node' | 'store'> {
  home: string
  passphrase: string
  kdf?: ScryptParams
  /** Join an existing account as a new device (a code from `createDeviceLink()` on one of its devices). */
  linkCode?: string
}

/**
 * Node: opens (or creates) the account in a home directory and returns its messenger, not yet
 * started. Relays, when given, are also used as bootstrap peers.
 *
 * @example
 * ```ts
 * const messenger = await openHomeMessenger({ home, passphrase, create: true, relays: ['/ip4/…/tcp/4001/p2p/…'] })
 * await messenger.start()
 * ```
 */
export async function openHomeMessenger (init: OpenHomeMessengerInit, options: { signal?: AbortSignal } = {}): Promise<Messenger> {
  const { relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now, stopNodeOnStop, linkCode, ...nodeInit } = init
  if (linkCode != null) {
    const store = await openHomeStore({ home: init.home, passphrase: init.passphrase, create: true, kdf: init.kdf, signal: options.signal })
    try {
      if (!(await storeHasAccount(store))) await linkDevice({ store, code: linkCode, allowPrivateAddresses, signal: options.signal })
    } finally {
      await store.close()
    }
  }
  const node = await openHomeNode({
    ...nodeInit,
    allowPrivateAddresses,
    bootstrap: [...(nodeInit.bootstrap ?? []), ...(relays ?? [])]
  }, options)
  return createMessenger({ node, store: node.store, relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now, stopNodeOnStop })
}
