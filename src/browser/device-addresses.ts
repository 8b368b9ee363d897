import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { VerifiedAccountRecord } from '../identity/account-record.js'
import { peerIdFromBytes, type ParleyNode } from '../node/parley-node.js'

/**
 * The addresses at which a device listed in an account record can be reached by WebRTC through
 * the account's relays: `<relay>/p2p-circuit/webrtc/p2p/<device>`. Browsers are DHT clients, so
 * DHT peer routing does not know them; their relays (in the record) do.
 */
export function relayedWebRTCAddresses (record: VerifiedAccountRecord, devicePeerId: string): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const relay of record.body.relays) {
    const relayId = peerIdFromBytes(relay.peerId).toString()
    for (const bytes of relay.multiaddrs) {
      try {
        const base = multiaddr(bytes)
        const withId = base.getComponents().some((c) => c.name === 'p2p') ? base.toString() : `${base.toString()}/p2p/${relayId}`
        out.push(multiaddr(`${withId}/p2p-circuit/webrtc/p2p/${devicePeerId}`))
      } catch { /* an unreadable relay address: skip it */ }
    }
  }
  return out
}

/**
 * Makes `node` remember, for every account record it looks up, the relayed WebRTC addresses of
 * that account's devices (in libp2p's peer store), so that a later dial of a browser device by
 * PeerId finds a way in. Stop-gap until ParleyNode does this itself (see docs/BROWSER.md).
 */
export function learnRelayedDeviceAddresses (node: ParleyNode): void {
  const lookup = node.lookupAccount.bind(node)
  node.lookupAccount = async (address, options) => {
    const record = await lookup(address, options)
    await Promise.all(record.body.devices.map(async (device) => {
      const peer = peerIdFromBytes(device.peerId)
      if (peer.equals(node.peerId)) return
      const addrs = relayedWebRTCAddresses(record, peer.toString())
      if (addrs.length > 0) await node.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => {})
    }))
    return record
  }
}
