import { openHomeNode } from '../node/home.js'
import type { ParleyNodeInit } from '../node/parley-node.js'
import type { ScryptParams } from '../store/index.js'
import { createMessenger, type Messenger, type MessengerInit } from './messenger.js'

export interface OpenHomeMessengerInit extends Omit<ParleyNodeInit, 'store' | 'closeStoreOnStop'>, Omit<MessengerInit, 'node' | 'store'> {
  home: string
  passphrase: string
  kdf?: ScryptParams
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
  const { relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now, stopNodeOnStop, ...nodeInit } = init
  const node = await openHomeNode({
    ...nodeInit,
    allowPrivateAddresses,
    bootstrap: [...(nodeInit.bootstrap ?? []), ...(relays ?? [])]
  }, options)
  return createMessenger({ node, store: node.store, relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, now, stopNodeOnStop })
}
