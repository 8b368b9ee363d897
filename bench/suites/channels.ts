/**
 * Channels suite, in one process on 127.0.0.1:
 *   - post → all subscribers latency (p50/p95 over 30 posts) with 50 and 200 subscribers over
 *     gossipsub, next to pairwise fan-out (the owner writes the same post on one stream to each
 *     subscriber) in the same run;
 *   - bytes on the wire per post per subscriber (gossip; pairwise for reference), from the TCP
 *     sockets' byte counters of every node;
 *   - relay catch-up: a new reader pulls 1,000 posts from a relay keeping the channel.
 * PARLEY_BENCH_CHANNEL_SIZES (e.g. "10") replaces 50,200 for a quick run.
 */
import { join } from 'node:path'
import type { SuiteContext } from '../harness/context.js'
import { percentile } from '../results.js'
import { tempDir } from '../../tests/helpers/network.js'
import { startTestRelay } from '../../tests/relay/helpers.js'
import { TestChannel, channelNode, connectMesh, type ChannelNode } from '../../tests/channels/helpers.js'
import { historyRequest } from '../../src/net/channel-history.js'
import { HistoryRequest } from '../../src/wire/channel.js'

const POSTS = 30
const FANOUT_PROTOCOL = '/parley-bench/fanout/1.0.0'

/** Bytes written by every TCP socket of these nodes so far (libp2p's TCP connections keep their socket). */
function bytesWritten (nodes: ChannelNode[]): number {
  let total = 0
  for (const node of nodes) {
    for (const connection of node.getConnections()) {
      const socket = (connection as unknown as { maConn?: { socket?: { bytesWritten?: number } } }).maConn?.socket
      total += socket?.bytesWritten ?? 0
    }
  }
  return total
}

/** Polls `check` every millisecond (a figure in milliseconds needs no coarser step). */
async function until (check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

async function fanOut (ctx: SuiteContext, subscribers: number): Promise<void> {
  const nodes = await Promise.all(Array.from({ length: subscribers + 1 }, async () => await channelNode()))
  try {
    const [owner, ...readers] = nodes
    await connectMesh(nodes)
    const channel = new TestChannel()
    for (const n of nodes) n.services.channels.gossip.join(channel.key, { seq: 0, adminsVersion: 0 })
    const deadline = Date.now() + 60_000
    while (!nodes.every((n) => n.services.channels.gossip.topicPeers(channel.key).mesh > 0)) {
      if (Date.now() > deadline) throw new Error('gossip meshes did not form')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // gossip: publish, wait until every reader has it
    const arrivals = new Map<number, number>()
    for (const r of readers) r.services.channels.gossip.addEventListener('post', (e) => { const s = Number(e.detail.verified.post.seq); arrivals.set(s, (arrivals.get(s) ?? 0) + 1) })
    const gossipMs: number[] = []
    let bytesBefore = bytesWritten(nodes)
    let ownerBefore = bytesWritten([owner])
    let postBytes = 0
    for (let i = 0; i < POSTS; i++) {
      const post = channel.next(`post ${i} ${'x'.repeat(200)}`)
      postBytes = post.bytes.length
      const start = performance.now()
      await owner.services.channels.gossip.publish(post)
      await until(() => (arrivals.get(i + 1) ?? 0) >= readers.length)
      gossipMs.push(performance.now() - start)
    }
    const gossipBytes = (bytesWritten(nodes) - bytesBefore) / POSTS / readers.length
    const gossipOwnerBytes = (bytesWritten([owner]) - ownerBefore) / POSTS
    ctx.record({ name: `gossip post → all ${subscribers} subscribers, p50`, value: percentile(gossipMs, 50), unit: 'ms' })
    ctx.record({ name: `gossip post → all ${subscribers} subscribers, p95`, value: percentile(gossipMs, 95), unit: 'ms' })
    ctx.record({ name: `gossip bytes on the wire per post per subscriber (${subscribers}; post ${postBytes} B)`, value: gossipBytes, unit: 'B' })
    ctx.record({ name: `gossip bytes the owner sent per post (${subscribers})`, value: gossipOwnerBytes, unit: 'B' })

    // pairwise: the owner writes the same bytes on one stream to each reader
    let received = 0
    for (const r of readers) {
      await r.handle(FANOUT_PROTOCOL, (stream) => {
        stream.addEventListener('message', () => { received++ })
      })
      await owner.dial(r.getMultiaddrs()[0])
    }
    const streams = await Promise.all(readers.map(async (r) => await owner.dialProtocol(r.peerId, FANOUT_PROTOCOL)))
    const pairMs: number[] = []
    bytesBefore = bytesWritten(nodes)
    ownerBefore = bytesWritten([owner])
    for (let i = 0; i < POSTS; i++) {
      const post = channel.next(`pairwise ${i} ${'x'.repeat(200)}`)
      const target = received + readers.length
      const start = performance.now()
      for (const s of streams) s.send(post.bytes)
      await until(() => received >= target)
      pairMs.push(performance.now() - start)
    }
    ctx.record({ name: `pairwise fan-out post → all ${subscribers} subscribers, p50`, value: percentile(pairMs, 50), unit: 'ms' })
    ctx.record({ name: `pairwise fan-out post → all ${subscribers} subscribers, p95`, value: percentile(pairMs, 95), unit: 'ms' })
    ctx.record({ name: `pairwise bytes on the wire per post per subscriber (${subscribers})`, value: (bytesWritten(nodes) - bytesBefore) / POSTS / readers.length, unit: 'B' })
    ctx.record({ name: `pairwise bytes the owner sent per post (${subscribers})`, value: (bytesWritten([owner]) - ownerBefore) / POSTS, unit: 'B' })
  } finally {
    await Promise.all(nodes.map(async (n) => { await n.stop() }))
  }
}

async function catchUp (ctx: SuiteContext): Promise<void> {
  const dir = await tempDir('parley-bench-channels-')
  const relay = await startTestRelay(join(dir.path, 'relay'), { channels: { keep: 'all', reconcileIntervalMs: 0 } })
  const writer = await channelNode()
  const reader = await channelNode()
  try {
    const channel = new TestChannel()
    for (let i = 0; i < 1000; i++) channel.next(`post ${i} ${'x'.repeat(200)}`)
    await writer.dial(relay.multiaddrs[0])
    // set-up, not measured: the relay takes 10 history requests a second per peer (burst 40), so
    // a refused store waits for the bucket and goes again
    for (let i = 0; i < 1000; i += 16) {
      const store = async (): Promise<unknown> => historyRequest(writer, relay.peerId, { kind: HistoryRequest.Kind.STORE, channelKey: channel.key, after: 0n, limit: 0, latest: false, posts: channel.posts.slice(i, i + 16).map((p) => p.bytes) })
      for (let attempt = 0; ; attempt++) {
        try {
          await store()
          break
        } catch (err) {
          if ((err as { code?: string }).code !== 'ERR_RATE_LIMITED' || attempt >= 20) throw err
          await new Promise((resolve) => setTimeout(resolve, 150))
        }
      }
    }
    await reader.dial(relay.multiaddrs[0])
    const start = performance.now()
    let after = 0
    while (after < 1000) {
      const page = await reader.services.channels.gossip.query(relay.peerId, channel.key, { after, limit: 200 })
      if (page.posts.length === 0) throw new Error(`relay stopped at ${after}`)
      after += page.posts.length
    }
    ctx.record({ name: 'relay catch-up: 1,000 posts pulled by a new reader', value: performance.now() - start, unit: 'ms' })
  } finally {
    await writer.stop()
    await reader.stop()
    await relay.stop()
    await dir.cleanup()
  }
}

export async function run (ctx: SuiteContext): Promise<void> {
  const sizes = (process.env.PARLEY_BENCH_CHANNEL_SIZES ?? '50,200').split(',').map(Number).filter((n) => n > 0)
  for (const size of sizes) {
    await ctx.step(`fan-out to ${size} subscribers`, async () => { await fanOut(ctx, size) }, { defaultMs: 600_000 }).catch(ctx.keepGoing)
  }
  await ctx.step('relay catch-up of 1,000 posts', async () => { await catchUp(ctx) }, { defaultMs: 300_000 }).catch(ctx.keepGoing)
}
