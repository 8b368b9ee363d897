import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { Logger } from '@libp2p/interface'
import type { RelayEntry } from '../../identity/account-record.js'
import { fleetRefOf } from '../../net/fleet-relays.js'

/**
 * Relay multiaddrs (with /p2p/) of an account's relay entries, then `fleet:<id>` for each fleet
 * it names (resolved to one live member where the relay is used); an unreadable entry is
 * skipped (and logged); an unreadable peer id throws.
 */
export function relayAddresses (relays: RelayEntry[], log?: Logger, fleets: Uint8Array[] = []): string[] {
  const out: string[] = []
  for (const relay of relays) {
    const id = peerIdFromMultihash(Digest.decode(relay.peerId)).toString()
    for (const bytes of relay.multiaddrs) {
      try {
        const ma = multiaddr(bytes)
        out.push(ma.getComponents().some((c) => c.name === 'p2p') ? ma.toString() : `${ma.toString()}/p2p/${id}`)
        break
      } catch (err) {
        log?.('skipped an unreadable relay address - %e', err)
      }
    }
  }
  for (const key of fleets) {
    try { out.push(fleetRefOf(key)) } catch (err) { log?.('skipped an unreadable fleet - %e', err) }
  }
  return out
}
