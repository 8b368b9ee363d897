import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { isMultiaddr, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MAX_CACHED_RELAY_KEYS } from './constants.js'

/** A relay: its PeerId (dialled through the peer store / peer routing) or a multiaddr ending in `/p2p/<id>`. */
export type RelayTarget = PeerId | Multiaddr | string

/** Keys of relays given as strings, so that a busy sender parses each address once (bounded). */
const stringRelayKeys = new Map<string, string>()

export function relayKey (relay: RelayTarget): string {
  if (typeof relay === 'string') {
    let key = stringRelayKeys.get(relay)
    if (key === undefined) {
      key = relayKey(multiaddr(relay))
      if (stringRelayKeys.size >= MAX_CACHED_RELAY_KEYS) stringRelayKeys.clear()
      stringRelayKeys.set(relay, key)
    }
    return key
  }
  if (isMultiaddr(relay)) return relay.getComponents().findLast((c) => c.name === 'p2p')?.value ?? relay.toString()
  return relay.toString()
}

/** PeerId named by a relay target (for logs and outcome matching). */
export function relayPeerId (relay: RelayTarget): PeerId | undefined {
  const key = relayKey(relay)
  try {
    return peerIdFromString(key)
  } catch {
    return undefined // a multiaddr without /p2p/: no PeerId to name
  }
}
