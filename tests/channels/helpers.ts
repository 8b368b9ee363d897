import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import { generateSigningKeyPair, type SigningKeyPair } from '../../src/identity/keys.js'
import { signChannelPost, verifyChannelPost, type VerifiedPost } from '../../src/identity/channel/index.js'
import type { ChannelHistoryBackend } from '../../src/net/channel-history.js'
import { createChannelGossip } from '../../src/net/channel-gossip.js'
import { createServingChannelGossip } from '../../src/net/channel-history-server.js'
import { channels, type Channels, type ChannelPostEvent } from '../../src/net/channels.js'
import { createParleyLibp2p, testNetwork, type ParleyServices } from '../../src/p2p/index.js'
import { PostBody } from '../../src/wire/channel.js'

export type ChannelNode = Libp2p<ParleyServices & { channels: Channels }>

/** A libp2p node on 127.0.0.1 with the channels service (and a history backend when given). */
export async function channelNode (history?: ChannelHistoryBackend): Promise<ChannelNode> {
  return await createParleyLibp2p<{ channels: Channels }>({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    ...testNetwork(),
    dhtClientMode: true,
    extraServices: { channels: channels(history != null ? { create: createServingChannelGossip, history } : { create: createChannelGossip }) }
  })
}

/** A channel owner that signs numbered, chained posts. */
export class TestChannel {
  readonly keys: SigningKeyPair = generateSigningKeyPair()
  readonly posts: VerifiedPost[] = []
  constructor (readonly secret?: Uint8Array) {}

  get key (): Uint8Array { return this.keys.publicKey }

  next (text: string, body: Partial<PostBody> = {}): VerifiedPost {
    const prev = this.posts.at(-1)
    const bytes = signChannelPost(this.keys, {
      channelKey: this.key,
      seq: this.posts.length + 1,
      ...(prev != null ? { prev: prev.hash } : {}),
      body: { kind: PostBody.Kind.TEXT, text, target: 0n, channelName: '', ...body },
      createdAt: Date.now(),
      ...(this.secret != null ? { secret: this.secret } : {})
    })
    const verified = verifyChannelPost(bytes, this.key)
    this.posts.push(verified)
    return verified
  }
}

/** Collects the `post` events of a node's channels service. */
export function collect (node: ChannelNode): ChannelPostEvent[] {
  const seen: ChannelPostEvent[] = []
  node.services.channels.gossip.addEventListener('post', (e) => { seen.push(e.detail) })
  return seen
}

/** Connects node i to node ⌊(i-1)/2⌋ and to node i-1 (a tree plus a chain): every node reachable, few links each. */
export async function connectMesh (nodes: ChannelNode[]): Promise<void> {
  for (let i = 1; i < nodes.length; i++) {
    await dialPatiently(nodes[i], nodes[Math.floor((i - 1) / 2)])
    if (i >= 2) await dialPatiently(nodes[i], nodes[i - 1])
  }
}

/**
 * Dials with a generous deadline and one more try: with hundreds of nodes in one process on a
 * loaded 2-core machine, a Noise handshake can outlast libp2p's default dial timeout (setup, not
 * what the tests measure).
 */
async function dialPatiently (from: ChannelNode, to: ChannelNode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await from.dial(to.getMultiaddrs()[0], { signal: AbortSignal.timeout(60_000) })
      return
    } catch (err) {
      if (attempt >= 2) throw err
    }
  }
}
