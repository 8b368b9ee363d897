import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEALED_FEEDBACK_BYTES, channelId, openFeedback, sealFeedback, signCollect } from '../../src/identity/channel/index.js'
import { ChannelFeedbackInbox, DEFAULT_FEEDBACK_LIMITS } from '../../src/net/channel-feedback-inbox.js'
import { historyRequest } from '../../src/net/channel-history.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import type { Relay, RelayConfigInput } from '../../src/relay/index.js'
import { HistoryRequest, type Feedback } from '../../src/wire/channel.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { startTestMessenger } from '../messenger/helpers.js'
import { startClient, startTestRelay } from '../relay/helpers.js'
import { TestChannel } from './helpers.js'

const feedback = (extra: Partial<Feedback> = {}): Feedback => ({ reader: randomBytes(16), version: 1n, target: 1n, emoji: '👍', viewed: [], ...extra })
const request = (kind: HistoryRequest.Kind, channelKey: Uint8Array, extra: Partial<HistoryRequest> = {}): HistoryRequest =>
  ({ kind, channelKey, after: 0n, limit: 0, latest: false, posts: [], ...extra })
const outcome = async (promise: Promise<unknown>): Promise<string> => await promise.then(() => 'accepted', (err: { code?: string }) => err.code ?? String(err))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** The channel key inside a subscription link. */
const keyOf = (link: string): Uint8Array => Buffer.from(link.slice('parley://channel/'.length).split(/[?#]/)[0], 'base64url')
const CONFIG: RelayConfigInput = { channels: { keep: 'all', reconcileIntervalMs: 0 }, metrics: { enabled: false } }

/** The owner's COLLECT of everything a relay holds for the channel. */
async function collectAll (client: Libp2p, relay: Relay, channel: TestChannel): Promise<Uint8Array[]> {
  const at = Date.now()
  const answer = await historyRequest(client, relay.peerId, request(HistoryRequest.Kind.COLLECT, channel.key, { at: BigInt(at), signature: signCollect(channel.keys.secretKey, channel.key, 0, at) }))
  return answer.feedback?.sealed ?? []
}

describe('sealed feedback outlives a relay restart and reaches every keeping relay (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const stops: Array<() => Promise<unknown>> = []
  const client = async (...relays: Relay[]): Promise<Libp2p> => {
    const c = await startClient()
    stops.push(async () => { await c.stop() })
    for (const r of relays) await c.dial(r.multiaddrs[0])
    return c
  }
  const relayAt = async (name: string): Promise<Relay> => {
    const relay = await startTestRelay(join(dir.path, name), CONFIG)
    stops.push(async () => { await relay.stop() })
    return relay
  }

  beforeAll(async () => { dir = await tempDir('parley-feedback-durable-') })
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
    await dir?.cleanup()
  }, 60_000)

  it('a box deposited before a restart is collected once after it; the same box deposited again is still held once', async () => {
    const channel = new TestChannel()
    const first = await relayAt('restart')
    const c1 = await client(first)
    await historyRequest(c1, first.peerId, request(HistoryRequest.Kind.STORE, channel.key, { posts: [channel.next('hello').bytes] }))
    const box = sealFeedback(channel.key, feedback({ emoji: '🦉' }))
    await historyRequest(c1, first.peerId, request(HistoryRequest.Kind.FEEDBACK, channel.key, { sealed: box }))
    await first.stop()

    const again = await relayAt('restart')
    const c2 = await client(again)
    const held = await collectAll(c2, again, channel)
    expect(held.map(hex)).toEqual([hex(box)])
    expect(openFeedback(channel.keys.secretKey, channel.key, held[0]).emoji).toBe('🦉')
    // a reader retrying the same box: taken, held once
    expect(await outcome(historyRequest(c2, again.peerId, request(HistoryRequest.Kind.FEEDBACK, channel.key, { sealed: box })))).toBe('accepted')
    expect((await collectAll(c2, again, channel)).length).toBe(1)
  }, 120_000)

  it('a box deposited at one relay is collected through another after reconciliation; reconciling back and again holds it once', async () => {
    const channel = new TestChannel()
    const a = await relayAt('a')
    const b = await relayAt('b')
    const c = await client(a, b)
    const post = channel.next('hello').bytes
    for (const r of [a, b]) await historyRequest(c, r.peerId, request(HistoryRequest.Kind.STORE, channel.key, { posts: [post] }))
    const box = sealFeedback(channel.key, feedback({ target: 0n, emoji: '', viewed: [1n] }))
    await historyRequest(c, a.peerId, request(HistoryRequest.Kind.FEEDBACK, channel.key, { sealed: box }))
    expect(await collectAll(c, b, channel)).toEqual([])

    await b.libp2p.dial(a.multiaddrs[0])
    await waitFor(async () => await b.channels?.reconcile() !== undefined && (await b.channels?.feedback.held(channel.key)) === 1, 30_000, 'b to take the box from a')
    expect((await collectAll(c, b, channel)).map(hex)).toEqual([hex(box)])
    // b reconciles again, a reconciles from b: each still holds the box once
    await b.channels?.reconcile()
    await a.channels?.reconcile()
    expect(await a.channels?.feedback.held(channel.key)).toBe(1)
    expect(await b.channels?.feedback.held(channel.key)).toBe(1)
  }, 120_000)

  it('SYNC: only for a kept channel, answered by cursor, bounded to one frame of 500 boxes', async () => {
    const kept = new TestChannel()
    const relay = await startTestRelay(join(dir.path, 'sync'), { channels: { keep: [channelId(kept.key)], reconcileIntervalMs: 0 }, metrics: { enabled: false } })
    stops.push(async () => { await relay.stop() })
    const c = await client(relay)
    expect(await outcome(historyRequest(c, relay.peerId, request(HistoryRequest.Kind.SYNC, new TestChannel().key)))).toBe('ERR_CHANNEL_NOT_KEPT')
    expect(await outcome(historyRequest(c, relay.peerId, request(HistoryRequest.Kind.SYNC, randomBytes(7))))).toBe('ERR_MALFORMED_REQUEST')
    await historyRequest(c, relay.peerId, request(HistoryRequest.Kind.STORE, kept.key, { posts: [kept.next('hello').bytes] }))
    const boxes = [sealFeedback(kept.key, feedback()), sealFeedback(kept.key, feedback())]
    for (const sealed of boxes) await historyRequest(c, relay.peerId, request(HistoryRequest.Kind.FEEDBACK, kept.key, { sealed }))
    const page = await historyRequest(c, relay.peerId, request(HistoryRequest.Kind.SYNC, kept.key, { limit: 1_000_000 }))
    expect((page.feedback?.sealed ?? []).map(hex)).toEqual(boxes.map(hex))
    const next = await historyRequest(c, relay.peerId, request(HistoryRequest.Kind.SYNC, kept.key, { after: page.feedback?.cursor ?? 0n }))
    expect(next.feedback?.sealed).toEqual([])
  }, 120_000)
})

describe('boxes taken by reconciliation are bounded per relay and never push a reader\'s box out', () => {
  const key = randomBytes(32)
  const box = (): Uint8Array => randomBytes(SEALED_FEEDBACK_BYTES)

  it('a syncing peer holds at most its share and only fills free room; readers still push the oldest out', async () => {
    const inbox = new ChannelFeedbackInbox({ ...DEFAULT_FEEDBACK_LIMITS, perChannel: 10, heldPerSyncPeer: 6, peerRate: { perSecond: 1000, burst: 1000 } })
    const readers: Uint8Array[] = []
    for (let i = 0; i < 4; i++) {
      readers.push(box())
      await inbox.deposit(key, readers[i], { peer: `reader-${i}` })
    }
    let taken = 0
    let refusal = ''
    for (let i = 0; i < 20; i++) {
      await inbox.deposit(key, box(), { peer: 'hostile-relay', synced: true }).then(() => { taken++ }, (err: { code?: string }) => { refusal = err.code ?? '' })
    }
    expect(taken).toBe(6)
    expect(refusal).toBe('ERR_RATE_LIMITED')
    // the channel is full (4 + 6): another relay's boxes are refused, no reader's box is dropped for them
    expect(await outcome(inbox.deposit(key, box(), { peer: 'other-relay', synced: true }))).toBe('ERR_CHANNEL_HISTORY_FULL')
    const held = (await inbox.collect(key, 0)).sealed.map(hex)
    for (const r of readers) expect(held).toContain(hex(r))
    // a box held already is no new box, from a reader or a relay
    expect(await inbox.deposit(key, readers[0], { peer: 'other-relay', synced: true })).toBe(false)
    expect(await inbox.held(key)).toBe(10)
  })
})

describe('the owner counts a box once, however many relays bring it (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const stops: Array<() => Promise<unknown>> = []
  let a: Relay
  let b: Relay
  let owner: HomeMessenger
  let alice: HomeMessenger

  beforeAll(async () => {
    dir = await tempDir('parley-feedback-once-')
    a = await startTestRelay(join(dir.path, 'a'), CONFIG)
    stops.push(async () => { await a.stop() })
    b = await startTestRelay(join(dir.path, 'b'), CONFIG)
    stops.push(async () => { await b.stop() })
    const relays = [a.multiaddrs[0].toString(), b.multiaddrs[0].toString()]
    owner = await startTestMessenger(dir.path, 'owner', relays)
    stops.push(async () => { await owner.stop() })
    alice = await startTestMessenger(dir.path, 'alice', relays)
    stops.push(async () => { await alice.stop() })
    for (const m of [owner, alice]) for (const r of [a, b]) await m.node.libp2p.dial(r.multiaddrs[0])
    await b.libp2p.dial(a.multiaddrs[0])
  }, 120_000)
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
    await dir?.cleanup()
  }, 60_000)

  it('a views report held by both relays after reconciliation counts one view', async () => {
    const channel = await owner.createChannel('once')
    await owner.post(channel.id, 'look')
    const key = keyOf(channel.link)
    for (const r of [a, b]) await waitFor(async () => (await r.channels?.query(key, { after: 0, limit: 1 }))?.head === 1, 30_000, 'both relays to keep the post')
    await alice.subscribe(channel.link)
    expect(await alice.markChannelPostsViewed(channel.id, [1])).toBe(1)
    // the report went to one relay; reconciliation brings it to the other
    for (const r of [a, b]) await r.channels?.reconcile()
    expect(await a.channels?.feedback.held(key)).toBe(1)
    expect(await b.channels?.feedback.held(key)).toBe(1)

    // the owner collects through both relays: the box is opened once
    expect(await owner.tallyChannel(channel.id)).toEqual({ opened: 1, refused: 0, changed: [1] })
    await waitFor(async () => (await owner.channelPosts(channel.id))[0]?.views === 1, 30_000, 'the count')
    expect(await owner.tallyChannel(channel.id)).toEqual({ opened: 0, refused: 0, changed: [] })
    expect((await owner.channelPosts(channel.id))[0].views).toBe(1)
  }, 240_000)
})
