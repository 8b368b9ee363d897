import type { AbortOptions } from '@libp2p/interface'
import { parseHistoryScope } from '../messenger/devices/history-archive.js'
import { openHomeMessenger, type OpenHomeMessengerInit } from '../node/open-home-messenger.js'
import type { Messenger } from '../messenger/messenger.js'
import type { ParleyNode } from '../node/parley-node.js'
import type { ScryptParams, Store } from '../store/index.js'

export interface DaemonMessengerInit {
  home: string
  passphrase: string
  /** Create the account when the home has none. @default false */
  create?: boolean
  /** Join an existing account as a new device (a code from `parley devices link`). */
  linkCode?: string
  /** With `linkCode`: shows the short authentication string the existing device's user compares. */
  onLinkSas?: (sas: string) => void
  /** With `linkCode`: `all`, `none` or `<days>d` (default 30d). */
  history?: string
  /** With `linkCode`: `direct` (on the link stream now) or `relay` (sealed for the account's relays; fetched once the messenger runs). @default 'direct' */
  historyVia?: 'direct' | 'relay'
  /** With `linkCode`: history transfer progress. */
  onHistoryProgress?: OpenHomeMessengerInit['onHistoryProgress']
  listen?: string[]
  bootstrap?: string[]
  /** Relays (multiaddrs with /p2p/<id>) that hold this account's mail. */
  relays?: string[]
  kdf?: ScryptParams
  /** Leave the WebRTC transport out of the start; `node.loadDeferredTransports()` loads it (the CLI: after `ready`). @default false */
  deferWebRTC?: boolean
  /** Loopback test networks: many peers per IP, private addresses allowed, short outbox timeouts. @default false */
  testNetwork?: boolean
}

/** What {@link openDaemonMessenger} takes besides the init: the home's store when the caller opened it already (then owned by the messenger's node). */
export interface OpenedStore {
  store?: Store
}

/** A messenger on a home directory, with the node under it. */
export interface DaemonMessenger {
  messenger: Messenger
  node: ParleyNode
  /**
   * Stops the messenger, then the node, which closes the store it opened (`openHomeNode`'s
   * HomeNode), whether or not they started: what `openDaemonMessenger` opened, it stops.
   */
  stop: () => Promise<void>
}

/**
 * Opens the home's store, node and messenger (not started) the way the daemon and `parley
 * init` need them. Throws NoAccountError / WrongPassphraseError before touching the network.
 */
export async function openDaemonMessenger (init: DaemonMessengerInit & OpenedStore, options: AbortOptions = {}): Promise<DaemonMessenger> {
  const test = init.testNetwork === true
  const messenger = await openHomeMessenger({
    home: init.home,
    passphrase: init.passphrase,
    create: init.create,
    linkCode: init.linkCode,
    onLinkSas: init.onLinkSas,
    history: init.history != null ? parseHistoryScope(init.history) : undefined,
    historyVia: init.historyVia,
    onHistoryProgress: init.onHistoryProgress,
    store: init.store,
    kdf: init.kdf,
    listen: init.listen,
    bootstrap: init.bootstrap,
    relays: init.relays,
    deferWebRTC: init.deferWebRTC,
    ...(test ? { manyPeersPerAddress: true, allowPrivateAddresses: true, webrtcBindAddress: '127.0.0.1', outbox: { directTimeoutMs: 1500, pollMs: 200 } } : {})
  }, options)
  const node = messenger.node
  return {
    messenger,
    node,
    stop: async () => {
      try { await messenger.stop() } finally { await node.stop() }
    }
  }
}
