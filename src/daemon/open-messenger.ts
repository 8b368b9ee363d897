import type { ParleyNode } from '../node/parley-node.js'
import { openHomeNode } from '../node/home.js'
import type { ScryptParams } from '../store/index.js'
import { createMessenger } from '../messenger/messenger.js'
import type { MessengerApi } from '../messenger/types.js'

export interface HomeMessengerInit {
  home: string
  passphrase: string
  /** Create the account when the home has none. @default false */
  create?: boolean
  listen?: string[]
  bootstrap?: string[]
  /** Relays (multiaddrs with /p2p/<id>) that hold this account's mail. */
  relays?: string[]
  kdf?: ScryptParams
  /** Loopback test networks: many peers per IP, private addresses allowed, short outbox timeouts. @default false */
  testNetwork?: boolean
}

/** A messenger on a home directory, with the node under it. */
export interface HomeMessenger {
  messenger: MessengerApi
  node: ParleyNode
  /** Stops the messenger, the node and closes the store. */
  stop: () => Promise<void>
}

/**
 * Opens the home's store and node and builds the messenger on them (not started).
 * Throws NoAccountError / WrongPassphraseError before touching the network.
 */
export async function openHomeMessenger (init: HomeMessengerInit, options: { signal?: AbortSignal } = {}): Promise<HomeMessenger> {
  const node = await openHomeNode({
    home: init.home,
    passphrase: init.passphrase,
    create: init.create,
    kdf: init.kdf,
    listen: init.listen,
    bootstrap: init.bootstrap,
    ...(init.testNetwork === true ? { manyPeersPerAddress: true, allowPrivateAddresses: true, webrtcBindAddress: '127.0.0.1' } : {})
  }, options)
  try {
    const messenger = await createMessenger({
      node,
      store: node.store,
      relays: init.relays,
      stopNodeOnStop: false,
      ...(init.testNetwork === true ? { allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 } } : {})
    })
    return {
      messenger,
      node,
      stop: async () => {
        try { await messenger.stop() } finally { await node.stop() }
      }
    }
  } catch (err) {
    await node.stop()
    throw err
  }
}
