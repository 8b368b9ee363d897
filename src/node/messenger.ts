import type { Events } from '../messenger/components.js'
import { Messenger, type MessengerOptions } from '../messenger/messenger.js'
import type { Store } from '../store/index.js'
import { messengerComponents, type DeviceBlobs } from './messenger-components.js'
import type { ParleyNode } from './parley-node.js'

export interface MessengerInit extends MessengerOptions {
  node: ParleyNode
  store: Store
  /** Let the anonymous depositor dial private/loopback addresses (tests, LANs). */
  allowPrivateAddresses?: boolean
  /** Clock, for tests of timers. */
  now?: () => number
  /** This device's attachment files (Node: `new FileBlobs(<home>/blobs)`, as `openHomeMessenger` does; browsers: `IdbBlobs`); none: no attachments. */
  blobs?: DeviceBlobs
}

/**
 * A {@link Messenger} over a `ParleyNode`, with the node beside it (`messenger.node`) for
 * diagnostics and tests. It does not own the node: `stop()` stops the messenger, and whoever
 * opened the node stops it afterwards (see {@link HomeMessenger} for one that owns its node).
 */
export class NodeMessenger extends Messenger {
  readonly node: ParleyNode

  constructor (init: MessengerInit) {
    // the messenger is the event target; the components emit through it once it exists
    const target: { messenger?: Messenger } = {}
    const events: Events = { emit: (type, detail) => { target.messenger?.emit(type, detail) } }
    super(messengerComponents(init, events), init)
    target.messenger = this
    this.node = init.node
  }
}

/**
 * Creates a messenger on an opened (not started) node and its store. The caller keeps the node:
 * it stops the node after `messenger.stop()`.
 *
 * @example
 * ```ts
 * const node = await openHomeNode({ home, passphrase, create: true })
 * const messenger = await createMessenger({ node, store: node.store, relays })
 * await messenger.start()
 * const conversation = await messenger.conversationWith(bobAddress)
 * await messenger.sendText(conversation.id, 'hello')
 * await messenger.stop()
 * await node.stop()
 * ```
 */
export async function createMessenger (init: MessengerInit): Promise<NodeMessenger> {
  return new NodeMessenger(init)
}

/**
 * A messenger that owns its node (and so the node's store): `stop()` stops the messenger, then
 * the node, whether or not the messenger started. Built by `openHomeMessenger`, which opened the
 * node; build one yourself only with a node you hand over to it.
 *
 * @example
 * ```ts
 * const node = await openHomeNode({ home, passphrase, create: true })
 * const messenger = new HomeMessenger({ node, store: node.store, relays })
 * await messenger.start()
 * await messenger.stop() // stops the node too, which closes the home's store
 * ```
 */
export class HomeMessenger extends NodeMessenger {
  override async stop (): Promise<void> {
    try {
      await super.stop()
    } finally {
      await this.node.stop()
    }
  }
}
