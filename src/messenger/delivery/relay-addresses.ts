import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { Logger } from '@libp2p/interface'
import type { RelayEntry } from '../../identity/account-record.js'
import { fleetRefOf } from '../../net/fleet-relays.js'

/**
 * Relay multiaddrs (with /p2p/) of an account's relay entries, one per relay: the first address
 * this platform can dial (`canDial`: a browser needs the relay's WebSocket address, listed after
 * its TCP one), else the first readable one; then `fleet:<id>` for each fleet it names (resolved
 * to one live member where the relay is used). An unreadable entry is skipped (and logged); an
 * unreadable peer id throws.
 */
export function relayAddresses (relays: RelayEntry[], log?: Logger, fleets: Uint8Array[] = [], canDial: (address: string) => boolean = () => true): string[] {
  const out: string[] = []
  for (const relay of relays) {
    const id = peerIdFromMultihash(Digest.decode(relay.peerId)).toString()
    const readable: string[] = []
    for (const bytes of relay.multiaddrs) {
      try {
        const ma = multiaddr(bytes)
        readable.push(ma.getComponents().some((c) => c.name === 'p2p') ? ma.toString() : `${ma.toString()}/p2p/${id}`)
      } catch (err) {
        log?.('skipped an unreadable relay address - %e', err)
      }
    }
    const chosen = readable.find(canDial) ?? readable[0]
    if (chosen != null) out.push(chosen)
  }
  for (const key of fleets) {
    try { out.push(fleetRefOf(key)) } catch (err) { log?.('skipped an unreadable fleet - %e', err) }
  }
  return out
}
