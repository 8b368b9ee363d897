import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ChannelTransport } from '../messenger/components.js'
import { createChannelGossip, type ChannelGossip } from '../net/channel-gossip.js'
import type { Channels } from '../net/channels.js'

/**
 * The messenger's `channels` component over the node's channels service: gossip topics, and
 * the history peers among the connected ones (relays that keep channels, found by identify).
 */
export function channelTransport (shell: Channels): ChannelTransport {
  // the service loads with libp2p's start: reached at call time
  const g = (): ChannelGossip => shell.gossip
  // attached now, so that libp2p starts it with the node when the node has not started yet (its
  // own connections then reach gossipsub's topology); a failure here surfaces in ready()
  const attached = shell.attach(createChannelGossip).then(() => undefined, () => undefined)
  const peers = new Map<string, PeerId>()
  const peerOf = (id: string): PeerId => peers.get(id) ?? peerIdFromString(id)
  return {
    ready: async (options) => {
      options?.signal?.throwIfAborted()
      await attached
      await shell.attach(createChannelGossip)
    },
    join: (channelKey, head) => { g().join(channelKey, head) },
    leave: (channelKey) => { g().leave(channelKey) },
    advance: (verified) => { g().advance(verified) },
    publish: async (verified, options) => await g().publish(verified, options),
    historyPeers: async (options) => {
      const out: string[] = []
      peers.clear()
      for (const peer of g().connectedPeers()) {
        if (!await g().servesHistory(peer, options)) continue
        peers.set(peer.toString(), peer)
        out.push(peer.toString())
      }
      return out
    },
    query: async (peer, channelKey, query, options) => await g().query(peerOf(peer), channelKey, query, options),
    store: async (peer, channelKey, posts, options) => await g().store(peerOf(peer), channelKey, posts, options),
    depositFeedback: async (peer, channelKey, sealed, options) => { await g().depositFeedback(peerOf(peer), channelKey, sealed, options) },
    collectFeedback: async (peer, channelKey, after, seed, options) => await g().collectFeedback(peerOf(peer), channelKey, after, seed, options),
    onPost: (handler) => {
      const listener = (event: CustomEvent<{ verified: Parameters<typeof handler>[0] }>): void => { handler(event.detail.verified) }
      g().addEventListener('post', listener)
      return () => { g().removeEventListener('post', listener) }
    }
  }
}
