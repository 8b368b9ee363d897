import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasCode } from '../../src/errors.js'
import { SEALED_FEEDBACK_BYTES, sealFeedback, signCollect } from '../../src/identity/channel/index.js'
import { historyRequest } from '../../src/net/channel-history.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { HistoryRequest } from '../../src/wire/channel.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { startTestMessenger } from '../messenger/helpers.js'
import { startClient, startTestRelay } from '../relay/helpers.js'

/** The channel key inside a subscription link. */
function keyOf (link: string): Uint8Array {
  return Buffer.from(link.slice('parley://channel/'.length).split(/[?#]/)[0], 'base64url')
}

describe('channel reactions and views: sealed to the owner, tallied in signed posts (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let owner: HomeMessenger
  let alice: HomeMessenger
  let bob: HomeMessenger
  let raw: Libp2p
  const stops: Array<() => Promise<unknown>> = []

  beforeAll(async () => {
    dir = await tempDir('parley-channel-feedback-')
    relay = await startTestRelay(join(dir.path, 'relay'), { channels: { keep: 'all', reconcileIntervalMs: 0 }, metrics: { enabled: false } })
    stops.push(async () => { await relay.stop() })
    const relays = [relay.multiaddrs[0].toString()]
    owner = await startTestMessenger(dir.path, 'owner', relays)
    stops.push(async () => { await owner.stop() })
    alice = await startTestMessenger(dir.path, 'alice', relays)
    stops.push(async () => { await alice.stop() })
    bob = await startTestMessenger(dir.path, 'bob', relays)
    stops.push(async () => { await bob.stop() })
    raw = await startClient()
    stops.push(async () => { await raw.stop() })
    await raw.dial(relay.multiaddrs[0])
  }, 120_000)
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
    await dir?.cleanup()
  }, 60_000)

  it('readers react and report views; the owner counts them once per reader and post and every subscriber sees the counts', async () => {
    const channel = await owner.createChannel('reactions', { private: true })
    await owner.post(channel.id, 'first')
    await owner.post(channel.id, 'second')
    await alice.subscribe(channel.link)
    await bob.subscribe(channel.link)

    expect((await alice.reactToChannelPost(channel.id, 1, '👍')).myReaction).toBe('👍')
    await bob.reactToChannelPost(channel.id, 1, '👍')
    await bob.reactToChannelPost(channel.id, 2, '❤️')
    // bob changes his mind: his later reaction replaces the earlier one, it is not added
    await bob.reactToChannelPost(channel.id, 1, '🎉')
    expect(await alice.markChannelPostsViewed(channel.id, [1, 2, 2])).toBe(2)
    expect(await alice.markChannelPostsViewed(channel.id, [1, 2])).toBe(0) // once per post
    expect(await bob.markChannelPostsViewed(channel.id, [1, 2])).toBe(2)
    // the owner's own views are not counted
    expect(await owner.markChannelPostsViewed(channel.id, [1, 2])).toBe(0)

    // junk of the right size, deposited by a stranger: refused by the owner, counted nowhere
    await historyRequest(raw, relay.peerId, { kind: HistoryRequest.Kind.FEEDBACK, channelKey: keyOf(channel.link), after: 0n, limit: 0, latest: false, posts: [], sealed: randomBytes(SEALED_FEEDBACK_BYTES) })
    // feedback sealed to another channel's key does not open either
    const other = await owner.createChannel('other')
    await historyRequest(raw, relay.peerId, {
      kind: HistoryRequest.Kind.FEEDBACK, channelKey: keyOf(channel.link), after: 0n, limit: 0, latest: false, posts: [],
      sealed: sealFeedback(keyOf(other.link), { reader: randomBytes(16), version: 1n, target: 1n, emoji: '💩', viewed: [1n, 2n] })
    })

    const tally = await owner.tallyChannel(channel.id)
    expect(tally).toEqual({ opened: 6, refused: 2, changed: [1, 2] })
    const expected = (posts: Array<{ reactions: Record<string, number>, views: number }>): boolean =>
      JSON.stringify(posts.map((p) => [p.reactions, p.views])) === JSON.stringify([[{ '👍': 1, '🎉': 1 }, 2], [{ '❤️': 1 }, 2]])
    for (const m of [owner, alice, bob]) {
      await waitFor(async () => expected(await m.channelPosts(channel.id)), 30_000, 'the counts to reach every member')
    }
    expect((await bob.channelPosts(channel.id)).map((p) => p.myReaction)).toEqual(['🎉', '❤️'])
    expect((await alice.channelPosts(channel.id)).map((p) => p.myReaction)).toEqual(['👍', undefined])

    // nothing new: no tally post
    expect(await owner.tallyChannel(channel.id)).toEqual({ opened: 0, refused: 0, changed: [] })
    // alice withdraws her reaction
    await alice.reactToChannelPost(channel.id, 1, '')
    expect(await owner.tallyChannel(channel.id)).toEqual({ opened: 1, refused: 0, changed: [1] })
    await waitFor(async () => JSON.stringify((await bob.channelPosts(channel.id))[0].reactions) === JSON.stringify({ '🎉': 1 }), 30_000, 'the withdrawal to reach bob')
  }, 240_000)

  it('the relay holds only same-size sealed boxes, and only the owner collects them', async () => {
    const channel = await owner.createChannel('sealed')
    await owner.post(channel.id, 'look')
    await alice.subscribe(channel.link)
    await alice.reactToChannelPost(channel.id, 1, '🦄')
    await alice.markChannelPostsViewed(channel.id, [1])
    const key = keyOf(channel.link)

    const collect = (seed: Uint8Array, at = Date.now()): HistoryRequest =>
      ({ kind: HistoryRequest.Kind.COLLECT, channelKey: key, after: 0n, limit: 0, latest: false, posts: [], at: BigInt(at), signature: signCollect(seed, key, 0, at) })
    const seed = (await owner.store.channels.get(channel.id))?.signingKey as Uint8Array
    const answer = await historyRequest(raw, relay.peerId, collect(seed))
    const sealed = answer.feedback?.sealed ?? []
    expect(sealed.length).toBe(2)
    // a reaction and a views report look alike: same size, no emoji, no pseudonym in the clear
    expect(sealed.every((s) => s.length === SEALED_FEEDBACK_BYTES)).toBe(true)
    const tag = (await alice.store.channels.get(channel.id))?.readerTag as Uint8Array
    for (const s of sealed) {
      expect(Buffer.from(s).includes(Buffer.from('🦄'))).toBe(false)
      expect(Buffer.from(s).includes(Buffer.from(tag))).toBe(false)
    }
    // anyone else, or the owner's signature replayed much later, is refused
    const refused = async (request: HistoryRequest): Promise<string> => await historyRequest(raw, relay.peerId, request).then(() => 'accepted', (err: { code?: string }) => err.code ?? String(err))
    expect(await refused(collect(randomBytes(32)))).toBe('ERR_NOT_ALLOWED')
    expect(await refused(collect(seed, Date.now() - 10 * 60_000))).toBe('ERR_NOT_ALLOWED')
    // only the owner aggregates
    await expect(alice.tallyChannel(channel.id)).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_NOT_ALLOWED'))
    await expect(alice.reactToChannelPost(channel.id, 1, 'not an emoji at all, far too long for one')).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_INVALID_ARGUMENT'))
    await expect(alice.reactToChannelPost(channel.id, 9, '👍')).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_NOT_FOUND'))
  }, 240_000)
})
