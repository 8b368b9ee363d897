import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ChannelTransport } from '../messenger/components.js'
import type { Channels } from '../net/channels.js'

/**
 * The messenger's `channels` component over the node's channels service: gossip topics, and
 * the history peers among the connected ones (relays that keep channels, found by identify).
 */
export function channelTransport (service: Channels): ChannelTransport {
  const peers = new Map<string, PeerId>()
  const peerOf = (id: string): PeerId => peers.get(id) ?? peerIdFromString(id)
  return {
    join: (channelKey, head) => { service.join(channelKey, head) },
    leave: (channelKey) => { service.leave(channelKey) },
    advance: (verified) => { service.advance(verified) },
    publish: async (verified, options) => await service.publish(verified, options),
    historyPeers: async (options) => {
      const out: string[] = []
      peers.clear()
      for (const peer of service.connectedPeers()) {
        if (!await service.servesHistory(peer, options)) continue
        peers.set(peer.toString(), peer)
        out.push(peer.toString())
      }
      return out
    },
    query: async (peer, channelKey, query, options) => await service.query(peerOf(peer), channelKey, query, options),
    store: async (peer, channelKey, posts, options) => await service.store(peerOf(peer), channelKey, posts, options),
    onPost: (handler) => {
      const listener = (event: CustomEvent<{ verified: Parameters<typeof handler>[0] }>): void => { handler(event.detail.verified) }
      service.addEventListener('post', listener)
      return () => { service.removeEventListener('post', listener) }
    }
  }
}
