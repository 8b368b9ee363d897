import type { AbortOptions, Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { DeviceEntry, VerifiedAccountRecord } from '../identity/account-record.js'
import { peerIdFromBytes } from './peer-ids.js'

type RoutingNode = Pick<Libp2p, 'peerId' | 'peerRouting' | 'peerStore' | 'getConnections'>

/**
 * Finds the addresses of an account's devices while the account's record is still being looked
 * up (issue #22, first contact): {@link DeviceRoutes.start} takes the first record the DHT
 * lookup verified (`AccountDirectory.lookup`'s `onFirstRecord`) and starts DHT peer routing for
 * each device this node cannot dial yet; {@link DeviceRoutes.ready} waits, before a device is
 * dialled, for its search only when the node still knows no way to it. Before, peer routing
 * started when the dial found no address: after the whole lookup.
 *
 * The early record is verified for the account but may be older than the one the lookup settles
 * on: it only chooses whose addresses are searched; who is dialled comes from the final record.
 * A failed search is logged; the dial then does its own.
 *
 * @example
 * ```ts
 * const routes = new DeviceRoutes(libp2p, log)
 * const record = await directory.lookup(accountKey, { onFirstRecord: (r) => { routes.start(r, options) } })
 * await Promise.all(record.body.devices.map(async (d) => { await routes.ready(d); await send(d) }))
 * ```
 */
export class DeviceRoutes {
  private readonly searches = new Map<string, Promise<void>>()

  constructor (private readonly node: RoutingNode, private readonly log?: Logger) {}

  /** Starts peer routing for every device of `record` that this node has no connection or address for. */
  start (record: VerifiedAccountRecord, options: AbortOptions = {}): void {
    for (const device of record.body.devices) {
      // browsers are DHT clients: their (relayed) addresses come from the record, not from routing
      if (device.relayedOnly) continue
      const peer = peerIdFromBytes(device.peerId)
      const key = peer.toString()
      if (peer.equals(this.node.peerId) || this.searches.has(key)) continue
      this.searches.set(key, this.search(peer, options))
    }
  }

  /** Resolves once `device` can be dialled without a search of its own (or its search ended). */
  async ready (device: DeviceEntry): Promise<void> {
    const search = this.searches.get(peerIdFromBytes(device.peerId).toString())
    if (search == null) return
    await search
  }

  private async search (peer: PeerId, options: AbortOptions): Promise<void> {
    try {
      if (this.node.getConnections(peer).length > 0) return
      const known = await this.node.peerStore.get(peer, options).catch(() => undefined)
      if (known != null && known.addresses.length > 0) return
      // libp2p's peer routing merges what it finds into the peer store, where the dial looks
      await this.node.peerRouting.findPeer(peer, options)
    } catch (err) {
      this.log?.('early peer routing for %p failed; the dial will search again - %e', peer, err)
    }
  }
}
