import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { VerifiedAccountRecord } from '../identity/account-record.js'
import type { Libp2p, Logger } from '@libp2p/interface'
import { peerIdFromBytes } from './peer-ids.js'

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
      } catch {
        // an unreadable relay address (the record verified, so only its multiaddr bytes are odd): skip it
        continue
      }
    }
  }
  return out
}

/**
 * Remembers, in libp2p's peer store, the relayed WebRTC addresses of every `relayed_only` device
 * (browsers) of an account record, so that a later dial of such a device by PeerId finds a way
 * in: browsers are DHT clients, so DHT peer routing never knows them.
 */
export async function learnRelayedDeviceAddresses (libp2p: Pick<Libp2p, 'peerStore' | 'peerId'>, record: VerifiedAccountRecord, log?: Logger): Promise<void> {
  await Promise.all(record.body.devices.filter((d) => d.relayedOnly).map(async (device) => {
    const peer = peerIdFromBytes(device.peerId)
    if (peer.equals(libp2p.peerId)) return
    const addrs = relayedWebRTCAddresses(record, peer.toString())
    if (addrs.length > 0) {
      await libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch((err: unknown) => {
        // a later dial of this device then relies on peer routing alone
        log?.error('could not remember the relayed addresses of %p - %e', peer, err)
      })
    }
  }))
}
