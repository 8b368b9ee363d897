import type { PeerId } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { toHex } from '../bytes.js'

/** Turns PeerId multihash bytes from an account record into a PeerId. */
export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes))
}

/**
 * PeerIds decoded from account-record bytes, remembered so that a busy sender decodes each once;
 * at most `max`, oldest forgotten first.
 *
 * @example
 * ```ts
 * const peers = new PeerIdCache(1000)
 * const peer = peers.get(device.peerId)
 * ```
 */
export class PeerIdCache {
  private readonly peers = new Map<string, PeerId>()
  constructor (private readonly max: number) {}

  get (bytes: Uint8Array): PeerId {
    const key = toHex(bytes)
    let peer = this.peers.get(key)
    if (peer == null) {
      peer = peerIdFromBytes(bytes)
      this.peers.set(key, peer)
      if (this.peers.size > this.max) this.peers.delete(this.peers.keys().next().value as string)
    }
    return peer
  }
}
