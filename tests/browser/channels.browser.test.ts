/**
 * Channels in headless Chromium: a browser Parley (IndexedDB store, WebSockets to a relay on
 * 127.0.0.1) follows a channel owned by a Node messenger (tests/browser/channel-owner-commands.ts:
 * the owner and a relay that keeps channel history run in vitest's Node process). It catches up
 * on the post made before it followed (from the relay's history) and receives a new post live
 * (gossip through the relay).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { commands } from 'vitest/browser'
import { createParley, destroyStore } from '../../src/browser/index.js'
import type { ChannelPostView } from '../../src/messenger/types.js'
import type { ChannelPostEvent, Channels } from '../../src/net/channels.js'

/** Polls `condition` (each poll awaits a command round trip) until it holds; generous deadline. */
async function waitUntil (condition: () => Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('channels in the browser (IndexedDB, WebSockets to a relay keeping history)', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }, 60_000)

  it('a browser follows a Node owner\'s channel: catches up on an earlier post, receives a new one live', async () => {
    const { relayWs, link, channelId } = await commands.channelOwnerStart('browser news', 'before the browser came')
    cleanups.push(async () => { await commands.channelOwnerStop() })

    const reader = await createParley({
      relays: [relayWs],
      storage: { name: `channel-reader-${Math.random().toString(36).slice(2)}` },
      allowPrivateAddresses: true
    })
    cleanups.push(async () => {
      await reader.stop()
      await destroyStore(reader.storageName)
    })

    // following pulls the recent history from the relay: the earlier post is there
    const channel = await reader.subscribe(link)
    expect(channel.id).toBe(channelId)
    expect(channel.role).toBe('subscriber')
    expect((await reader.channelPosts(channelId)).map((p) => [p.seq, p.text])).toEqual([[1, 'before the browser came']])

    // a new post arrives live, as an event, without asking the relay: once the relay's gossip
    // mesh for the channel holds the owner and the page, the owner posts once
    await waitUntil(async () => await commands.channelRelayMesh() >= 2, 'the page to join the relay\'s mesh for the channel')
    const live = new Promise<ChannelPostView>((resolve) => {
      reader.addEventListener('channel-post', (e) => { if (e.detail.channel.id === channelId) resolve(e.detail.post) })
    })
    // and it came by gossip (the messenger also pulls from relays now and then: not that)
    const gossip = (reader.node.libp2p.services as unknown as { channels: Channels }).channels.gossip
    const viaGossip = new Promise<ChannelPostEvent>((resolve) => {
      gossip.addEventListener('post', (e) => { if (e.detail.verified.post.seq === 2n) resolve(e.detail) })
    })
    expect(await commands.channelOwnerPost('live news')).toBe(2)
    const post = await live
    expect([post.seq, post.text]).toEqual([2, 'live news'])
    expect((await viaGossip).via).toBe('gossip')
    expect((await reader.channelPosts(channelId)).map((p) => p.seq)).toEqual([1, 2])
  }, 90_000)
})
