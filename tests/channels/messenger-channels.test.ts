import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasCode } from '../../src/errors.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import type { ChannelPostView } from '../../src/messenger/types.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { startTestMessenger } from '../messenger/helpers.js'
import { startTestRelay } from '../relay/helpers.js'

/** Every file under `dir`, recursively, as one list of paths. */
async function files (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await files(path))
    else out.push(path)
  }
  return out
}

async function filesContain (dir: string, marker: string): Promise<boolean> {
  const needle = Buffer.from(marker)
  for (const path of await files(dir)) if ((await readFile(path)).includes(needle)) return true
  return false
}

/** Collects a messenger's `channel-post` events (in the order emitted). */
function postsSeen (messenger: HomeMessenger, channelId: string): ChannelPostView[] {
  const seen: ChannelPostView[] = []
  messenger.addEventListener('channel-post', (e) => { if (e.detail.channel.id === channelId) seen.push(e.detail.post) })
  return seen
}

describe('channels between messengers, with relays keeping history (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relayA: Relay
  const stops: Array<() => Promise<unknown>> = []

  beforeAll(async () => {
    dir = await tempDir('parley-channels-')
    relayA = await startTestRelay(join(dir.path, 'relay-a'), { channels: { keep: 'all', reconcileIntervalMs: 0 }, metrics: { enabled: false } })
    stops.push(async () => { await relayA.stop() })
  }, 60_000)
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
    await dir?.cleanup()
  }, 60_000)

  const relayAddrs = (relay: Relay): string[] => [relay.multiaddrs[0].toString()]

  it('posts reach a live subscriber once and in order; an offline subscriber catches up from the relay', async () => {
    const owner = await startTestMessenger(dir.path, 'owner', relayAddrs(relayA))
    stops.push(async () => { await owner.stop() })
    const live = await startTestMessenger(dir.path, 'live', relayAddrs(relayA))
    stops.push(async () => { await live.stop() })
    let away = await startTestMessenger(dir.path, 'away', relayAddrs(relayA))

    const channel = await owner.createChannel('news')
    expect(channel.role).toBe('owner')
    expect((await live.subscribe(channel.link)).role).toBe('subscriber')
    await away.subscribe(channel.link)
    await away.stop()

    const seen = postsSeen(live, channel.id)
    for (let i = 1; i <= 100; i++) await owner.post('news', `post ${i}`)
    await waitFor(() => seen.length >= 100, 60_000, 'the live subscriber to see 100 posts')
    expect(seen.map((p) => p.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(seen.map((p) => p.text)).toEqual(Array.from({ length: 100 }, (_, i) => `post ${i + 1}`))
    // post() resolved once the connected relay held each post
    expect((await relayA.channels?.history.contiguousHead(keyOf(channel.link)))?.seq).toBe(100)

    // the subscriber that was offline during the 100 posts comes back and catches up from the relay
    away = await startTestMessenger(dir.path, 'away', relayAddrs(relayA))
    stops.push(async () => { await away.stop() })
    await away.catchUpChannel(channel.id)
    const caught = await away.channelPosts(channel.id, { limit: 200 })
    expect(caught.map((p) => p.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))

    // a brand-new subscriber gets the recent history (the newest 100)
    const late = await startTestMessenger(dir.path, 'late', relayAddrs(relayA))
    stops.push(async () => { await late.stop() })
    await owner.post('news', 'post 101')
    await late.subscribe(channel.link)
    const recent = await late.channelPosts(channel.id, { limit: 200 })
    expect(recent.map((p) => p.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2))
  }, 240_000)

  it('two relays: the one that missed posts gets them by reconciliation', async () => {
    const owner = await startTestMessenger(dir.path, 'owner2', relayAddrs(relayA))
    stops.push(async () => { await owner.stop() })
    const channel = await owner.createChannel('two relays')
    for (let i = 1; i <= 30; i++) await owner.post(channel.id, `early ${i}`)
    await waitFor(async () => (await relayA.channels?.history.firstGap(keyOf(channel.link))) === 31, 30_000, 'relay A to keep 30 posts')

    const relayB = await startTestRelay(join(dir.path, 'relay-b'), { channels: { keep: 'all', reconcileIntervalMs: 0 }, metrics: { enabled: false } })
    stops.push(async () => { await relayB.stop() })
    await owner.node.libp2p.dial(relayB.multiaddrs[0])
    await waitFor(async () => (await owner.node.libp2p.peerStore.get(relayB.peerId)).protocols.includes('/parley/channel-history/1.0.0'), 10_000, 'identify with relay B')
    await owner.post(channel.id, 'after relay B came')
    await waitFor(async () => (await relayB.channels?.history.bytes(keyOf(channel.link))) !== 0, 30_000, 'relay B to keep the new post')
    expect(await relayB.channels?.history.firstGap(keyOf(channel.link))).toBe(1)

    await relayB.libp2p.dial(relayA.multiaddrs[0])
    await waitFor(async () => (await relayB.libp2p.peerStore.get(relayA.peerId)).protocols.includes('/parley/channel-history/1.0.0'), 10_000, 'identify between relays')
    expect(await relayB.channels?.reconcile()).toBe(30)
    expect(await relayB.channels?.history.firstGap(keyOf(channel.link))).toBe(32)

    // a subscriber that reaches only relay B reads the whole channel
    const reader = await startTestMessenger(dir.path, 'reader-b', relayAddrs(relayB))
    stops.push(async () => { await reader.stop() })
    await reader.subscribe(channel.link)
    expect((await reader.channelPosts(channel.id)).map((p) => p.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1))
  }, 240_000)

  it('a private channel is unreadable at the relay and without the link; a public one is readable (the scan can fail)', async () => {
    const owner = await startTestMessenger(dir.path, 'owner3', relayAddrs(relayA))
    stops.push(async () => { await owner.stop() })
    const secretChannel = await owner.createChannel('secret', { private: true })
    const publicChannel = await owner.createChannel('open')
    expect(secretChannel.private).toBe(true)
    expect(secretChannel.link).toContain('#')
    const secretMarker = 'PRIVATE-MARKER-8f3a1c77d2e9'
    const publicMarker = 'PUBLIC-MARKER-51be0a9c6d42'
    await owner.post(secretChannel.id, `${secretMarker} one`)
    await owner.post(secretChannel.id, `${secretMarker} two`)
    await owner.post(publicChannel.id, publicMarker)
    await waitFor(async () => (await relayA.channels?.history.firstGap(keyOf(secretChannel.link))) === 3, 30_000, 'relay to keep the private posts')
    await waitFor(async () => (await relayA.channels?.history.firstGap(keyOf(publicChannel.link))) === 2, 30_000, 'relay to keep the public post')

    // the scan reads the relay's files: a relay on PostgreSQL (PARLEY_TEST_RELAY_STORE=postgres) keeps the posts in the database
    if (relayA.storage.backend === 'leveldb') {
      const relayDir = join(dir.path, 'relay-a')
      expect(await filesContain(relayDir, publicMarker)).toBe(true)
      expect(await filesContain(relayDir, secretMarker)).toBe(false)
    }

    // with the link, a subscriber reads it; without the key (link cut before '#'), nothing
    const friend = await startTestMessenger(dir.path, 'friend', relayAddrs(relayA))
    stops.push(async () => { await friend.stop() })
    await friend.subscribe(secretChannel.link)
    expect((await friend.channelPosts(secretChannel.id)).map((p) => p.text)).toEqual([`${secretMarker} one`, `${secretMarker} two`])
    const stranger = await startTestMessenger(dir.path, 'stranger', relayAddrs(relayA))
    stops.push(async () => { await stranger.stop() })
    await stranger.subscribe(secretChannel.link.split('#')[0])
    const unread = await stranger.channelPosts(secretChannel.id)
    expect(unread.length).toBe(2)
    expect(unread.every((p) => !p.text.includes(secretMarker))).toBe(true)
  }, 240_000)

  it('admin edits and deletes propagate; a non-admin is refused', async () => {
    const owner = await startTestMessenger(dir.path, 'owner4', relayAddrs(relayA))
    stops.push(async () => { await owner.stop() })
    const admin = await startTestMessenger(dir.path, 'admin', relayAddrs(relayA))
    stops.push(async () => { await admin.stop() })
    const reader = await startTestMessenger(dir.path, 'reader', relayAddrs(relayA))
    stops.push(async () => { await reader.stop() })
    const channel = await owner.createChannel('edited')
    await owner.post(channel.id, 'first')
    await owner.post(channel.id, 'second')
    await admin.subscribe(channel.link)
    await reader.subscribe(channel.link)

    // a follower that is not an admin may not edit or delete
    await reader.channelAdminKey(channel.id)
    await expect(reader.editChannelPost(channel.id, 1, 'hijacked')).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_CHANNEL_READ_ONLY'))
    await expect(reader.deleteChannelPost(channel.id, 2)).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_CHANNEL_READ_ONLY'))
    await expect(admin.setChannelAdmins(channel.id, [])).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_CHANNEL_READ_ONLY') || hasCode(err, 'ERR_NOT_ALLOWED'))

    await owner.setChannelAdmins(channel.id, [await admin.channelAdminKey(channel.id)])
    await waitFor(async () => (await admin.channels()).find((c) => c.id === channel.id)?.role === 'admin', 30_000, 'the admin to learn its role')

    await admin.editChannelPost(channel.id, 1, 'first (edited by an admin)')
    await admin.deleteChannelPost(channel.id, 2)
    for (const m of [owner, reader]) {
      await waitFor(async () => {
        const posts = await m.channelPosts(channel.id)
        return posts.length === 1 && posts[0].text === 'first (edited by an admin)' && posts[0].edited
      }, 30_000, 'the edit and the deletion to propagate')
    }
    // the reader's own attempt left nothing behind
    expect((await reader.channelPosts(channel.id)).map((p) => p.seq)).toEqual([1])
  }, 240_000)
})

/** The channel key inside a subscription link. */
function keyOf (link: string): Uint8Array {
  return Buffer.from(link.slice('parley://channel/'.length).split(/[?#]/)[0], 'base64url')
}
