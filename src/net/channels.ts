import type { GossipsubOpts } from '@libp2p/gossipsub'
import type { Startable } from '@libp2p/interface'
import { ErrorCode, ParleyError } from '../errors.js'
import type { VerifiedPost } from '../identity/channel/channel-post.js'
import type { ChannelGossip, ChannelGossipComponents } from './channel-gossip.js'
import type { ChannelHistoryBackend } from './channel-history.js'

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
  /** Makes the running service (else {@link Channels.attach} gives it later). */
  create?: ChannelGossipFactory
  /** Gossipsub options over Parley's (mesh degree for tests and benches). */
  gossip?: Partial<Pick<GossipsubOpts, 'D' | 'Dlo' | 'Dhi' | 'heartbeatInterval' | 'floodPublish'>>
}

/** Builds the running service; `createChannelGossip` in `channel-gossip.ts`. */
export type ChannelGossipFactory = (components: ChannelGossipComponents, init: ChannelsInit) => ChannelGossip

/**
 * Broadcast channels over gossipsub (PROTOCOL.md §13), a libp2p service: `channels()` in
 * `services`. This shell holds no gossip code: the running service (gossipsub, the post
 * validator, the history protocol) is made by a factory, given in `init.create` or later with
 * {@link attach} (the device's messenger attaches it, so that in a browser it rides in the
 * messenger's lazy chunk), and reached through {@link gossip}.
 *
 * @example
 * ```ts
 * await libp2p.services.channels.attach(createChannelGossip)
 * const gossip = libp2p.services.channels.gossip
 * gossip.join(channelKey, { seq: 0, adminsVersion: 0 })
 * ```
 */
export class Channels implements Startable {
  private impl: ChannelGossip | undefined
  private factory: ChannelGossipFactory | undefined
  private started = false
  private starting: Promise<void> | undefined

  constructor (private readonly components: ChannelGossipComponents, private readonly init: ChannelsInit = {}) {
    this.factory = init.create
  }

  readonly [Symbol.toStringTag] = 'parley:channels'

  async start (): Promise<void> {
    this.started = true
    await this.run()
  }

  async stop (): Promise<void> {
    this.started = false
    await this.starting?.catch(() => {})
    this.starting = undefined
    const impl = this.impl
    this.impl = undefined
    await impl?.stop()
  }

  /** Gives the shell its factory; starts the service now when libp2p already runs. */
  async attach (factory: ChannelGossipFactory): Promise<void> {
    this.factory ??= factory
    if (this.started) await this.run()
  }

  private async run (): Promise<void> {
    if (this.impl != null || this.factory == null) return
    const factory = this.factory
    this.starting ??= (async () => {
      const impl = factory(this.components, this.init)
      await impl.start()
      this.impl = impl
    })()
    await this.starting
  }

  /** The running service (join, publish, query, events); throws `ERR_NOT_STARTED` before start and attach. */
  get gossip (): ChannelGossip {
    if (this.impl == null) throw new ParleyError('Channels service not started', ErrorCode.NOT_STARTED)
    return this.impl
  }
}

/** The channels service factory, for libp2p's `services`. */
export function channels (init: ChannelsInit = {}): (components: ChannelGossipComponents) => Channels {
  return (components) => new Channels(components, init)
}
