import type { GossipsubOpts } from '@libp2p/gossipsub'
import type { AbortOptions, ComponentLogger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'
import { TypedEventEmitter } from '@libp2p/interface'
import { ErrorCode, ParleyError } from '../errors.js'
import type { VerifiedPost } from '../identity/channel/channel-post.js'
import type { ChannelGossip, ChannelGossipComponents } from './channel-gossip.js'
import type { ChannelHistoryBackend, HistoryPage, HistoryQuery } from './channel-history.js'

/** The newest post a node holds of a channel, and the highest admin-list version seen. */
export interface ChainHead {
  seq: number
  /** Hash of post `seq` (absent when the chain is empty or the node has not seen it). */
  hash?: Uint8Array
  adminsVersion: number
}

/** A post that passed the validator (gossip) — new to this node. */
export interface ChannelPostEvent {
  verified: VerifiedPost
  /** The peer that forwarded it. */
  from: string
  via: 'gossip'
}

/** A post the validator refused, and why (the forwarding peer's score went down). */
export interface ChannelRejectEvent {
  channelKey: Uint8Array
  from: string
  fault: string
}

export interface ChannelsEvents {
  post: CustomEvent<ChannelPostEvent>
  rejected: CustomEvent<ChannelRejectEvent>
}

export interface ChannelsInit {
  /** Relays: serve `/parley/channel-history/1.0.0` from this backend. */
  history?: ChannelHistoryBackend
  /** Gossipsub options over Parley's (mesh degree for tests and benches). */
  gossip?: Partial<Pick<GossipsubOpts, 'D' | 'Dlo' | 'Dhi' | 'heartbeatInterval' | 'floodPublish'>>
}

/**
 * Broadcast channels over gossipsub (PROTOCOL.md §12), a libp2p service: `channels()` in
 * `services`. Gossipsub, the post validator and the history protocol load on `start()` from a
 * lazy chunk (`channel-gossip.ts`), so that a browser's first load does not carry them.
 *
 * @example
 * ```ts
 * libp2p.services.channels.join(channelKey, { seq: 0, adminsVersion: 0 })
 * libp2p.services.channels.addEventListener('post', (e) => { show(e.detail.verified) })
 * ```
 */
export class Channels extends TypedEventEmitter<ChannelsEvents> implements Startable {
  private impl: ChannelGossip | undefined
  private readonly forward = (event: Event): void => { this.dispatchEvent(new CustomEvent(event.type, { detail: (event as CustomEvent).detail })) }

  constructor (private readonly components: ChannelGossipComponents & { logger: ComponentLogger }, private readonly init: ChannelsInit = {}) {
    super()
  }

  readonly [Symbol.toStringTag] = 'parley:channels'

  async start (): Promise<void> {
    const { ChannelGossip } = await import('./channel-gossip.js')
    const impl = new ChannelGossip(this.components, this.init)
    impl.addEventListener('post', this.forward)
    impl.addEventListener('rejected', this.forward)
    await impl.start()
    this.impl = impl
  }

  async stop (): Promise<void> {
    const impl = this.impl
    this.impl = undefined
    if (impl == null) return
    impl.removeEventListener('post', this.forward)
    impl.removeEventListener('rejected', this.forward)
    await impl.stop()
  }

  private get ready (): ChannelGossip {
    if (this.impl == null) throw new ParleyError('Channels service not started', ErrorCode.NOT_STARTED)
    return this.impl
  }

  /** Subscribes to a channel's topic; the validator starts from `head`. */
  join (channelKey: Uint8Array, head: ChainHead): void { this.ready.join(channelKey, head) }
  leave (channelKey: Uint8Array): void { this.impl?.leave(channelKey) }
  joined (channelKey: Uint8Array): boolean { return this.impl?.joined(channelKey) ?? false }
  head (channelKey: Uint8Array): ChainHead | undefined { return this.impl?.head(channelKey) }
  /** Peers known to subscribe to the channel, and those in this node's gossip mesh for it. */
  topicPeers (channelKey: Uint8Array): { subscribers: number, mesh: number } { return this.impl?.topicPeers(channelKey) ?? { subscribers: 0, mesh: 0 } }
  /** Tells the validator about a post this node got elsewhere (history, its own). */
  advance (verified: VerifiedPost): void { this.impl?.advance(verified) }
  /** Publishes a signed post on its channel's topic; resolves with the peers it went to. */
  async publish (verified: VerifiedPost, options: AbortOptions = {}): Promise<number> { return await this.ready.publish(verified, options) }
  /** Peers this node is connected to (candidates for history queries). */
  connectedPeers (): PeerId[] { return this.impl?.historyPeers() ?? [] }
  /** True when the peer store says `peer` serves channel history (identify). */
  async servesHistory (peer: PeerId, options: AbortOptions = {}): Promise<boolean> { return await this.ready.supportsHistory(peer, options) }
  async query (peer: PeerId, channelKey: Uint8Array, query: HistoryQuery, options: AbortOptions = {}): Promise<HistoryPage> { return await this.ready.query(peer, channelKey, query, options) }
  async store (peer: PeerId, channelKey: Uint8Array, posts: Uint8Array[], options: AbortOptions = {}): Promise<number> { return await this.ready.store(peer, channelKey, posts, options) }
  /** Penalty points of a peer (decaying): rejected posts it forwarded. */
  penalty (peer: PeerId): number { return this.impl?.penalty(peer.toString()) ?? 0 }
  /** The gossipsub score of a peer as this node sees it. */
  score (peer: PeerId): number { return this.impl?.pubsub.getScore(peer.toString()) ?? 0 }
}

/** The channels service factory, for libp2p's `services`. */
export function channels (init: ChannelsInit = {}): (components: ChannelGossipComponents) => Channels {
  return (components) => new Channels(components, init)
}

/** The channel-facing part of {@link Channels} other layers depend on. */
export type ChannelsService = Pick<Channels, 'join' | 'leave' | 'joined' | 'head' | 'advance' | 'publish' | 'connectedPeers' | 'servesHistory' | 'query' | 'store'> & TypedEventTarget<ChannelsEvents>
