import { sha256 } from '@noble/hashes/sha2.js'
import { afterEach, describe, expect, it } from 'vitest'
import { signChannelPost, verifyChannelPost, type VerifiedPost } from '../../src/identity/channel/index.js'
import { generateSigningKeyPair } from '../../src/identity/keys.js'
import { PostBody } from '../../src/wire/channel.js'
import { waitFor } from '../helpers/wait.js'
import { TestChannel, channelNode, collect, connectMesh, type ChannelNode } from './helpers.js'

const nodes: ChannelNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
})

async function network (count: number, channel: TestChannel): Promise<ChannelNode[]> {
  const started = await Promise.all(Array.from({ length: count }, async () => await channelNode()))
  nodes.push(...started)
  await connectMesh(started)
  for (const node of started) node.services.channels.gossip.join(channel.key, { seq: 0, adminsVersion: 0 })
  // waiting, not asserting: 201 nodes in one process on a loaded machine need longer to form meshes
  await waitFor(() => started.every((n) => n.services.channels.gossip.topicPeers(channel.key).mesh > 0), 30_000 + count * 500, 'gossip meshes').catch((err: Error) => {
    // which nodes have no mesh peer, and how many connections and topic peers they have: the failure says where it stuck
    const stuck = started.map((n, i) => ({ i, connections: n.getConnections().length, ...n.services.channels.gossip.topicPeers(channel.key) })).filter((n) => n.mesh === 0)
    throw new Error(`${err.message}: ${stuck.length} of ${count} nodes without a mesh peer, e.g. ${JSON.stringify(stuck.slice(0, 5))}`)
  })
  return started
}

/** A post as an attacker publishes it: raw bytes on the channel's topic, no local checks. */
function raw (channelKey: Uint8Array, bytes: Uint8Array, seq = 1): VerifiedPost {
  return { post: { channelKey, seq: BigInt(seq), prev: new Uint8Array(0), author: new Uint8Array(32), createdAt: 0n, encrypted: false, body: new Uint8Array(0), signature: new Uint8Array(0) }, bytes, hash: sha256(bytes), adminsVersion: 0 }
}

describe('channels over gossipsub (real nodes on 127.0.0.1)', () => {
  const fanOut = async (subscriberCount: number): Promise<void> => {
    const channel = new TestChannel()
    const [owner, ...subscribers] = await network(subscriberCount + 1, channel)
    const seen = subscribers.map(collect)
    for (let i = 1; i <= 100; i++) await owner.services.channels.gossip.publish(channel.next(`post ${i}`))
    await waitFor(() => seen.every((s) => s.length >= 100), 60_000 + subscriberCount * 1000, 'every subscriber to see 100 posts')
    for (const got of seen) {
      const seqs = got.map((e) => Number(e.verified.post.seq)).sort((a, b) => a - b)
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    }
  }

  it('20 subscribers: 100 posts reach each subscriber exactly once', async () => { await fanOut(20) }, 120_000)

  // opt-in (PARLEY_CHANNELS_200=1): 201 libp2p nodes in one process take minutes on a shared machine
  it.runIf(process.env.PARLEY_CHANNELS_200 === '1')('200 subscribers: 100 posts reach each subscriber exactly once', async () => { await fanOut(200) }, 900_000)

  it('forged, tampered, replayed and out-of-chain posts are dropped at the first hop', async () => {
    const channel = new TestChannel()
    const [owner, firstHop, ...others] = await network(6, channel)
    const attacker = await channelNode()
    nodes.push(attacker)
    await attacker.dial(firstHop.getMultiaddrs()[0])
    attacker.services.channels.gossip.join(channel.key, { seq: 0, adminsVersion: 0 })
    await waitFor(() => attacker.services.channels.gossip.topicPeers(channel.key).subscribers > 0, 30_000, 'attacker to see the topic')

    const everyone = [firstHop, ...others]
    const posts = everyone.map(collect)
    const rejected: Array<{ at: number, fault: string, from: string }> = []
    everyone.forEach((n, at) => { n.services.channels.gossip.addEventListener('rejected', (e) => { rejected.push({ at, fault: e.detail.fault, from: e.detail.from }) }) })

    // a good first post, to chain against
    const first = channel.next('genuine')
    await owner.services.channels.gossip.publish(first)
    await waitFor(() => posts.every((p) => p.length === 1), 30_000, 'the genuine post')

    const intruder = generateSigningKeyPair()
    const wrongKey = signChannelPost(intruder, { channelKey: channel.key, seq: 2, prev: first.hash, body: { kind: PostBody.Kind.TEXT, text: 'forged', target: 0n, channelName: '' }, createdAt: Date.now() })
    const genuine2 = signChannelPost(channel.keys, { channelKey: channel.key, seq: 2, prev: first.hash, body: { kind: PostBody.Kind.TEXT, text: 'original', target: 0n, channelName: '' }, createdAt: Date.now() })
    const tampered = genuine2.slice()
    tampered[tampered.indexOf(0x6f /* 'o' of original */, 40)] ^= 0x01
    const outOfChain = signChannelPost(channel.keys, { channelKey: channel.key, seq: 2, prev: new Uint8Array(32).fill(7), body: { kind: PostBody.Kind.TEXT, text: 'rewritten history', target: 0n, channelName: '' }, createdAt: Date.now() })
    const fork1 = signChannelPost(channel.keys, { channelKey: channel.key, seq: 1, body: { kind: PostBody.Kind.TEXT, text: 'a second post 1', target: 0n, channelName: '' }, createdAt: Date.now() + 1 })
    const oversized = new Uint8Array(70_000).fill(1)

    expect(() => verifyChannelPost(tampered, channel.key)).toThrow()
    for (const bytes of [wrongKey, tampered, outOfChain, fork1]) {
      await attacker.services.channels.gossip.publish(raw(channel.key, bytes))
    }
    await attacker.services.channels.gossip.publish(raw(channel.key, oversized))
    await waitFor(() => rejected.length >= 4, 30_000, 'the first hop to reject the forgeries')
    // the replay of the genuine post: the first hop has it, drops it silently
    await attacker.services.channels.gossip.publish(raw(channel.key, first.bytes))

    // a genuine post after the forgeries still reaches everyone: nothing else was shown
    await owner.services.channels.gossip.publish(channel.next('genuine 2'))
    await waitFor(() => posts.every((p) => p.length === 2), 30_000, 'the second genuine post')
    for (const got of posts) expect(got.map((e) => PostBody.decode(e.verified.post.body).text)).toEqual(['genuine', 'genuine 2'])
    // every rejection happened at the first hop, from the attacker
    expect(rejected.every((r) => r.at === 0 && r.from === attacker.peerId.toString())).toBe(true)
    expect(rejected.map((r) => r.fault).sort()).toEqual(['bad-signature', 'not-admin', 'out-of-chain', 'replayed'])
    expect(firstHop.services.channels.gossip.penalty(attacker.peerId.toString())).toBeGreaterThan(3)
  }, 120_000)
})
