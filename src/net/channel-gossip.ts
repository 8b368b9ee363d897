import { gossipsub, StrictNoSign, TopicValidatorResult, type GossipSub, type GossipSubComponents, type Message } from '@libp2p/gossipsub'
import type { AbortOptions, Connection, Logger, PeerId, Startable } from '@libp2p/interface'
import { TypedEventEmitter } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { equalBytes, toHex } from '../bytes.js'
import { ErrorCode, ParleyError } from '../errors.js'
import { ChannelPostInvalidError, MAX_CHANNEL_POST_BYTES, channelTopic, verifyChannelPost, type VerifiedPost } from '../identity/channel/index.js'
import { HistoryRequest } from '../wire/channel.js'
import { signCollect } from '../identity/channel/channel-feedback.js'
import { CHANNEL_HISTORY_PROTOCOL, historyRequest, type FeedbackPage, type ChannelHistoryBackend, type HistoryDialer, type HistoryPage, type HistoryQuery } from './channel-history.js'
import type { ChainHead, ChannelGossipFactory, ChannelPostEvent, ChannelRejectEvent, ChannelsEvents, ChannelsInit } from './channels.js'
import { MAX_CHANNEL_QUERY_POSTS, MAX_CHANNEL_STORE_POSTS } from './constants.js'

/** Hashes of recent posts kept per channel (to tell a replay from a gap). */
const RECENT_PER_CHANNEL = 1024
/** App-specific score points a peer loses per rejected post (×10 weight: 8 rejections graylist it). */
const REJECT_PENALTY = 1
/** Penalties halve this often. */
const PENALTY_HALF_LIFE_MS = 60_000

/** What the gossipsub factory returns is its class: startable, with scores. */
type GossipSubService = GossipSub & Startable & {
  getScore: (peer: string) => number
  getMeshPeers: (topic: string) => string[]
  /** Its registrar topology's `onConnect` (public on the class, not in the interface). */
  onPeerConnected: (peer: PeerId, connection: Connection) => void
}

interface TopicState {
  channelKey: Uint8Array
  head: ChainHead
  /** seq → hash of posts seen lately (above the head too, past a gap). */
  recent: Map<number, Uint8Array>
  /** seq → the `prev` that post named. */
  nextPrev: Map<number, Uint8Array>
}

/** The `/parley/channel-history` server over a backend (`channel-history-server.ts`; relays only). */
export type HistoryServerFactory = (backend: ChannelHistoryBackend) => Pick<Startable, 'start' | 'stop'>

export interface ChannelGossipComponents extends GossipSubComponents {
  connectionManager: GossipSubComponents['connectionManager'] & { openStream: HistoryDialer['dialProtocol'] }
}

/**
 * The channels service once loaded: gossipsub with one topic per joined channel and a validator
 * that drops, at the first hop, posts not signed by the owner or an admin, oversized, replayed
 * or out of chain (and lowers the sender's score); the `/parley/channel-history` client, and
 * its server when given a backend and a server factory (relays: `createServingChannelGossip` in
 * `channel-history-server.ts`, so that devices do not carry the server).
 */
export class ChannelGossip extends TypedEventEmitter<ChannelsEvents> {
  readonly pubsub: GossipSubService
  private readonly log: Logger
  private readonly topics = new Map<string, TopicState>()
  private readonly penalties = new Map<string, { points: number, at: number }>()
  private readonly server: Pick<Startable, 'start' | 'stop'> | undefined
  private readonly dialer: HistoryDialer

  constructor (private readonly components: ChannelGossipComponents, init: ChannelsInit & { history?: ChannelHistoryBackend }, serve?: HistoryServerFactory) {
    super()
    this.log = components.logger.forComponent('parley:channels')
    this.pubsub = gossipsub({
      globalSignaturePolicy: StrictNoSign,
      msgIdFn: (msg) => sha256(msg.data),
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      emitSelf: false,
      maxInboundDataLength: MAX_CHANNEL_POST_BYTES,
      scoreParams: {
        appSpecificScore: (peer) => -this.penalty(peer),
        appSpecificWeight: 10,
        // loopback peers are the same machine: no colocation penalty for them
        IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1'])
      },
      ...(init.gossip ?? {})
    })(components) as GossipSubService
    this.dialer = { dialProtocol: async (peer, protocols, options) => await components.connectionManager.openStream(peer, protocols, options) }
    if (init.history != null && serve == null) {
      throw new ParleyError('A channel history backend needs a history server: make the service with createServingChannelGossip', ErrorCode.INVALID_ARGUMENT)
    }
    this.server = init.history != null && serve != null ? serve(init.history) : undefined
  }

  async start (): Promise<void> {
    await this.pubsub.start()
    await this.server?.start()
    // started after libp2p (attached later): libp2p's registrar tells a new topology of no
    // connection made before it, so the peers already connected that speak gossipsub are handed over here
    for (const connection of this.components.connectionManager.getConnections()) {
      try {
        const peer = await this.components.peerStore.get(connection.remotePeer)
        if (this.pubsub.protocols.some((p) => peer.protocols.includes(p))) this.pubsub.onPeerConnected(connection.remotePeer, connection)
      } catch (err) {
        this.log.trace('peer %p not handed to gossipsub - %e', connection.remotePeer, err)
      }
    }
  }

  async stop (): Promise<void> {
    await this.server?.stop()
    await this.pubsub.stop()
    this.topics.clear()
  }

  join (channelKey: Uint8Array, head: ChainHead): void {
    const topic = channelTopic(channelKey)
    if (this.topics.has(topic)) return
    this.topics.set(topic, { channelKey, head: { ...head }, recent: new Map(), nextPrev: new Map() })
    this.pubsub.topicValidators.set(topic, async (peer, msg) => this.validate(topic, peer, msg))
    this.pubsub.subscribe(topic)
  }

  leave (channelKey: Uint8Array): void {
    const topic = channelTopic(channelKey)
    this.topics.delete(topic)
    this.pubsub.topicValidators.delete(topic)
    this.pubsub.unsubscribe(topic)
  }

  joined (channelKey: Uint8Array): boolean {
    return this.topics.has(channelTopic(channelKey))
  }

  /** Peers known to subscribe to the channel, and those in this node's mesh for it. */
  topicPeers (channelKey: Uint8Array): { subscribers: number, mesh: number } {
    const topic = channelTopic(channelKey)
    return { subscribers: this.pubsub.getSubscribers(topic).length, mesh: this.pubsub.getMeshPeers(topic).length }
  }

  /** Peers this node is connected to (candidates for history queries). */
  connectedPeers (): PeerId[] {
    return this.historyPeers()
  }

  /** True when the peer store says `peer` serves channel history (identify). */
  async servesHistory (peer: PeerId, options: AbortOptions = {}): Promise<boolean> {
    return await this.supportsHistory(peer, options)
  }

  /** The gossipsub score of a peer as this node sees it. */
  score (peer: PeerId): number {
    return this.pubsub.getScore(peer.toString())
  }

  head (channelKey: Uint8Array): ChainHead | undefined {
    const state = this.topics.get(channelTopic(channelKey))
    return state != null ? { ...state.head } : undefined
  }

  advance (verified: VerifiedPost): void {
    const state = this.topics.get(channelTopic(verified.post.channelKey))
    if (state == null) return
    this.remember(state, verified)
  }

  async publish (verified: VerifiedPost, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    const state = this.topics.get(channelTopic(verified.post.channelKey))
    if (state == null) throw new ParleyError('Not joined to this channel', ErrorCode.CHANNEL_NOT_FOUND)
    this.remember(state, verified)
    const result = await this.pubsub.publish(channelTopic(verified.post.channelKey), verified.bytes)
    return result.recipients.length
  }

  historyPeers (): PeerId[] {
    const out: PeerId[] = []
    for (const connection of this.components.connectionManager.getConnections()) {
      if (out.some((p) => p.equals(connection.remotePeer))) continue
      out.push(connection.remotePeer)
    }
    return out
  }

  async supportsHistory (peer: PeerId, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    try {
      const stored = await this.components.peerStore.get(peer)
      return stored.protocols.includes(CHANNEL_HISTORY_PROTOCOL)
    } catch {
      return false
    }
  }

  async query (peer: PeerId, channelKey: Uint8Array, query: HistoryQuery, options: AbortOptions = {}): Promise<HistoryPage> {
    const response = await historyRequest(this.dialer, peer, {
      kind: HistoryRequest.Kind.QUERY,
      channelKey,
      after: BigInt(Math.max(0, query.after)),
      limit: Math.max(1, Math.min(query.limit, MAX_CHANNEL_QUERY_POSTS)),
      latest: query.latest === true,
      posts: []
    }, options)
    return { posts: response.posts, head: Number(response.head) }
  }

  async store (peer: PeerId, channelKey: Uint8Array, posts: Uint8Array[], options: AbortOptions = {}): Promise<number> {
    let stored = 0
    for (let i = 0; i < posts.length; i += MAX_CHANNEL_STORE_POSTS) {
      const response = await historyRequest(this.dialer, peer, {
        kind: HistoryRequest.Kind.STORE, channelKey, after: 0n, limit: 0, latest: false, posts: posts.slice(i, i + MAX_CHANNEL_STORE_POSTS)
      }, options)
      stored += response.stored
    }
    return stored
  }

  /** Deposits one sealed feedback for the channel's owner at a history peer (PROTOCOL.md §13.5). */
  async depositFeedback (peer: PeerId, channelKey: Uint8Array, sealed: Uint8Array, options: AbortOptions = {}): Promise<void> {
    await historyRequest(this.dialer, peer, { kind: HistoryRequest.Kind.FEEDBACK, channelKey, after: 0n, limit: 0, latest: false, posts: [], sealed }, options)
  }

  /** The owner: sealed feedback a history peer holds after `after` (signed with the channel's seed). */
  async collectFeedback (peer: PeerId, channelKey: Uint8Array, after: number, channelSeed: Uint8Array, options: AbortOptions = {}): Promise<FeedbackPage> {
    const at = Date.now()
    const response = await historyRequest(this.dialer, peer, {
      kind: HistoryRequest.Kind.COLLECT, channelKey, after: BigInt(after), limit: 0, latest: false, posts: [], at: BigInt(at), signature: signCollect(channelSeed, channelKey, after, at)
    }, options)
    return { sealed: response.feedback?.sealed ?? [], cursor: Number(response.feedback?.cursor ?? BigInt(after)) }
  }

  /** A relay: sealed feedback another history peer holds for a channel after `after` (reconciliation, PROTOCOL.md §13.7). */
  async syncFeedback (peer: PeerId, channelKey: Uint8Array, after: number, options: AbortOptions = {}): Promise<FeedbackPage> {
    const response = await historyRequest(this.dialer, peer, { kind: HistoryRequest.Kind.SYNC, channelKey, after: BigInt(after), limit: 0, latest: false, posts: [] }, options)
    return { sealed: response.feedback?.sealed ?? [], cursor: Number(response.feedback?.cursor ?? BigInt(after)) }
  }

  /** Current penalty points of a peer (decayed). */
  penalty (peer: string): number {
    const entry = this.penalties.get(peer)
    if (entry == null) return 0
    return entry.points * Math.pow(0.5, (Date.now() - entry.at) / PENALTY_HALF_LIFE_MS)
  }

  private penalize (peer: PeerId, state: TopicState, fault: string): TopicValidatorResult {
    const key = peer.toString()
    const points = this.penalty(key) + REJECT_PENALTY
    this.penalties.set(key, { points, at: Date.now() })
    if (this.penalties.size > 10_000) this.penalties.delete(this.penalties.keys().next().value as string)
    this.log('rejected a post for %s from %p (%s)', toHex(state.channelKey).slice(0, 8), peer, fault)
    this.safeDispatch('rejected', { channelKey: state.channelKey, from: key, fault } satisfies ChannelRejectEvent)
    return TopicValidatorResult.Reject
  }

  private validate (topic: string, peer: PeerId, msg: Message): TopicValidatorResult {
    const state = this.topics.get(topic)
    if (state == null) return TopicValidatorResult.Ignore
    if (msg.type !== 'unsigned') return this.penalize(peer, state, 'signed-envelope')
    let verified: VerifiedPost
    try {
      verified = verifyChannelPost(msg.data, state.channelKey)
    } catch (err) {
      return this.penalize(peer, state, err instanceof ChannelPostInvalidError ? err.fault : 'malformed')
    }
    if (verified.adminsVersion !== 0 && verified.adminsVersion < state.head.adminsVersion) return this.penalize(peer, state, 'stale-admins')
    const seq = Number(verified.post.seq)
    const known = state.recent.get(seq)
    if (known != null) {
      // a replay of a post we have is ignored; another post under a number we hold is a forgery or a fork
      return equalBytes(known, verified.hash) ? TopicValidatorResult.Ignore : this.penalize(peer, state, 'replayed')
    }
    if (seq <= state.head.seq) return TopicValidatorResult.Ignore // older than our newest: gaps are pulled from history
    if (seq === state.head.seq + 1 && state.head.hash != null && !equalBytes(verified.post.prev, state.head.hash)) {
      return this.penalize(peer, state, 'out-of-chain')
    }
    const nextPrev = state.nextPrev.get(seq + 1)
    if (nextPrev != null && !equalBytes(nextPrev, verified.hash)) {
      return this.penalize(peer, state, 'out-of-chain')
    }
    this.remember(state, verified)
    this.safeDispatch('post', { verified, from: peer.toString(), via: 'gossip' } satisfies ChannelPostEvent)
    return TopicValidatorResult.Accept
  }

  /** Records a post; the head moves over every post now contiguous with it. */
  private remember (state: TopicState, verified: VerifiedPost): void {
    const seq = Number(verified.post.seq)
    state.recent.set(seq, verified.hash)
    state.nextPrev.set(seq, verified.post.prev)
    while (state.recent.size > RECENT_PER_CHANNEL) {
      const oldest = state.recent.keys().next().value as number
      state.recent.delete(oldest)
      state.nextPrev.delete(oldest)
    }
    state.head.adminsVersion = Math.max(state.head.adminsVersion, verified.adminsVersion)
    // the head is the newest contiguous post: a post past a gap waits for the gap to be filled
    if (seq === state.head.seq + 1 || state.head.hash == null) {
      if (seq > state.head.seq) state.head = { ...state.head, seq, hash: verified.hash }
      for (let hash = state.recent.get(state.head.seq + 1); hash != null; hash = state.recent.get(state.head.seq + 1)) {
        state.head = { ...state.head, seq: state.head.seq + 1, hash }
      }
    }
  }

  private safeDispatch<K extends keyof ChannelsEvents> (type: K, detail: ChannelsEvents[K]['detail']): void {
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.error('a %s listener threw - %e', type, err)
    }
  }
}

/** The {@link ChannelGossipFactory} of the running channels service. */
export const createChannelGossip: ChannelGossipFactory = (components, init) => new ChannelGossip(components, init)
