import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSigningKeyPair } from '../../src/identity/keys.js'
import {
  ChannelPostInvalidError, SEALED_FEEDBACK_BYTES, channelId, openFeedback, sealFeedback, signChannelPost, signCollect, verifyCollect
} from '../../src/identity/channel/index.js'
import { applyFeedback, tallyOf } from '../../src/messenger/channels/channel-feedback.js'
import { ChannelFeedbackInbox, DEFAULT_FEEDBACK_LIMITS } from '../../src/net/channel-feedback-inbox.js'
import type { ChannelFeedbackState } from '../../src/store/channel-repo.js'
import { historyRequest } from '../../src/net/channel-history.js'
import type { Relay } from '../../src/relay/index.js'
import { HistoryRequest, PostBody, type Feedback } from '../../src/wire/channel.js'
import { tempDir } from '../helpers/network.js'
import { startClient, startTestRelay } from '../relay/helpers.js'
import { TestChannel } from './helpers.js'

const feedback = (extra: Partial<Feedback> = {}): Feedback => ({ reader: randomBytes(16), version: 1n, target: 1n, emoji: '👍', viewed: [], ...extra })
const refused = async (fn: () => Promise<unknown>): Promise<string> => await fn().then(() => 'no error', (err: { code?: string }) => err.code ?? String(err))

describe('sealed feedback: the format', () => {
  const channel = generateSigningKeyPair()

  it('opens only with the channel seed; tampered or misplaced boxes do not open; every box is the same size', () => {
    const one = sealFeedback(channel.publicKey, feedback())
    const views = sealFeedback(channel.publicKey, feedback({ target: 0n, emoji: '', viewed: Array.from({ length: 32 }, (_, i) => BigInt(i + 1)) }))
    expect(one.length).toBe(SEALED_FEEDBACK_BYTES)
    expect(views.length).toBe(SEALED_FEEDBACK_BYTES)
    expect(openFeedback(channel.secretKey, channel.publicKey, one).emoji).toBe('👍')
    expect(openFeedback(channel.secretKey, channel.publicKey, views).viewed.length).toBe(32)

    const stranger = generateSigningKeyPair()
    const fault = (f: () => unknown): string => { try { f() } catch (err) { return (err as ChannelPostInvalidError).fault } return 'opened' }
    expect(fault(() => openFeedback(stranger.secretKey, channel.publicKey, one))).toBe('undecryptable')
    // a box sealed to the key of another channel, presented as this one's (the key is the associated data)
    expect(fault(() => openFeedback(channel.secretKey, stranger.publicKey, one))).toBe('undecryptable')
    const tampered = one.slice()
    tampered[100] ^= 1
    expect(fault(() => openFeedback(channel.secretKey, channel.publicKey, tampered))).toBe('undecryptable')
    expect(fault(() => openFeedback(channel.secretKey, channel.publicKey, one.subarray(1)))).toBe('malformed')
    // limits hold on both sides
    expect(() => sealFeedback(channel.publicKey, feedback({ viewed: Array.from({ length: 33 }, () => 1n) }))).toThrow(ChannelPostInvalidError)
    expect(() => sealFeedback(channel.publicKey, feedback({ emoji: 'x'.repeat(33) }))).toThrow(ChannelPostInvalidError)
    expect(() => sealFeedback(channel.publicKey, feedback({ reader: randomBytes(8) }))).toThrow(ChannelPostInvalidError)
  })

  it('a COLLECT signature binds the channel, the cursor and the time', () => {
    const at = Date.now()
    const signature = signCollect(channel.secretKey, channel.publicKey, 5, at)
    expect(verifyCollect(channel.publicKey, 5, at, signature)).toBe(true)
    expect(verifyCollect(channel.publicKey, 6, at, signature)).toBe(false)
    expect(verifyCollect(channel.publicKey, 5, at + 1, signature)).toBe(false)
    expect(verifyCollect(generateSigningKeyPair().publicKey, 5, at, signature)).toBe(false)
    expect(verifyCollect(channel.publicKey, 5, at, signature.subarray(1))).toBe(false)
  })
})

describe('the owner\'s count', () => {
  const state = (): ChannelFeedbackState => ({ cursors: {}, reactions: {}, views: {} })
  const reader = randomBytes(16)

  it('keeps one reaction per reader and post, the latest version winning (duplicates and stale ones change nothing)', () => {
    const s = state()
    expect(applyFeedback(s, feedback({ reader, version: 2n, emoji: '🎉' }), 5)).toEqual([1])
    expect(applyFeedback(s, feedback({ reader, version: 1n, emoji: '👍' }), 5)).toEqual([]) // older, arrived late
    expect(applyFeedback(s, feedback({ reader, version: 2n, emoji: '🎉' }), 5)).toEqual([]) // the same again (two relays)
    applyFeedback(s, feedback({ version: 1n, emoji: '🎉' }), 5)
    expect(tallyOf(s, 1).reactions).toEqual([{ emoji: '🎉', count: 2 }])
    expect(applyFeedback(s, feedback({ reader, version: 3n, emoji: '' }), 5)).toEqual([1]) // withdrawn
    expect(tallyOf(s, 1).reactions).toEqual([{ emoji: '🎉', count: 1 }])
  })

  it('counts a post once per views report, ignores posts that do not exist yet', () => {
    const s = state()
    applyFeedback(s, feedback({ reader, target: 0n, emoji: '', viewed: [1n, 1n, 1n, 2n, 99n] }), 5)
    applyFeedback(s, feedback({ target: 7n, emoji: '👍' }), 5)
    expect(tallyOf(s, 1).views).toBe(1n)
    expect(tallyOf(s, 2).views).toBe(1n)
    expect(s.views[99]).toBeUndefined()
    expect(s.reactions[Object.keys(s.reactions).find((r) => r !== Buffer.from(reader).toString('hex')) ?? '']).toBeUndefined()
  })
})

describe('a relay\'s feedback inbox: bounds per peer, per address, per channel', () => {
  const key = randomBytes(32)
  const box = (): Uint8Array => randomBytes(SEALED_FEEDBACK_BYTES)

  it('refuses boxes of the wrong size; a peer past its burst is refused while another peer is still served', async () => {
    const inbox = new ChannelFeedbackInbox()
    expect(await refused(async () => await inbox.deposit(key, randomBytes(100), { peer: 'a', address: '10.0.0.1' }))).toBe('ERR_MALFORMED_REQUEST')
    for (let i = 0; i < DEFAULT_FEEDBACK_LIMITS.peerRate.burst; i++) await inbox.deposit(key, box(), { peer: 'a', address: '10.0.0.1' })
    expect(await refused(async () => await inbox.deposit(key, box(), { peer: 'a', address: '10.0.0.1' }))).toBe('ERR_RATE_LIMITED')
    await inbox.deposit(key, box(), { peer: 'b', address: '10.0.0.2' })
    expect(await inbox.held(key)).toBe(DEFAULT_FEEDBACK_LIMITS.peerRate.burst + 1)
  })

  it('throwaway PeerIds from one address are bounded by the address; an honest reader elsewhere keeps its place', async () => {
    let now = 1_000_000
    const inbox = new ChannelFeedbackInbox({ ...DEFAULT_FEEDBACK_LIMITS, perChannel: 500, heldPerAddress: 200 }, () => now)
    const honest = box()
    await inbox.deposit(key, honest, { peer: 'honest', address: '192.0.2.7' })
    let accepted = 0
    for (let i = 0; i < 2_000; i++) {
      try {
        await inbox.deposit(key, box(), { peer: `throwaway-${i}`, address: '198.51.100.9' })
        accepted++
      } catch (err) {
        expect((err as { code?: string }).code).toBe('ERR_RATE_LIMITED')
      }
      now += 100 // ten a second: the address's burst of 120 refills at one a second
    }
    // bounded by what the address may hold at once (200), far below the 2,000 tried
    expect(accepted).toBe(200)
    expect(await inbox.held(key)).toBe(201)
    expect((await inbox.collect(key, 0)).sealed[0]).toBe(honest)
    // the honest reader still deposits
    await inbox.deposit(key, box(), { peer: 'honest', address: '192.0.2.7' })
  })

  it('one peer holds at most 64 boxes per channel; the oldest are dropped past the channel bound; channels and retention are bounded', async () => {
    let now = 1_000_000
    const inbox = new ChannelFeedbackInbox({ ...DEFAULT_FEEDBACK_LIMITS, perChannel: 100, channels: 2, retentionMs: 60_000, peerRate: { perSecond: 1000, burst: 1000 } }, () => now)
    for (let i = 0; i < 64; i++) await inbox.deposit(key, box(), { peer: 'p' })
    expect(await refused(async () => await inbox.deposit(key, box(), { peer: 'p' }))).toBe('ERR_RATE_LIMITED')
    for (let i = 0; i < 50; i++) await inbox.deposit(key, box(), { peer: `q${i}` })
    expect(await inbox.held(key)).toBe(100) // 114 deposited, the 14 oldest dropped
    await inbox.deposit(key, box(), { peer: 'p' }) // p's dropped boxes no longer count against it

    const second = randomBytes(32)
    await inbox.deposit(second, box(), { peer: 'r' })
    expect(await refused(async () => await inbox.deposit(randomBytes(32), box(), { peer: 'r' }))).toBe('ERR_CHANNEL_HISTORY_FULL')
    now += 61_000 // everything expired: the channels are free again
    await inbox.deposit(randomBytes(32), box(), { peer: 'r' })
    expect(await inbox.held(key)).toBe(0)
  })

  it('cursors keep growing across a restart (the relay\'s clock), so an owner\'s cursor never hides new boxes', async () => {
    let now = 5_000_000
    const before = new ChannelFeedbackInbox(DEFAULT_FEEDBACK_LIMITS, () => now)
    await before.deposit(key, box(), { peer: 'a' })
    const cursor = (await before.collect(key, 0)).cursor
    now += 1
    const after = new ChannelFeedbackInbox(DEFAULT_FEEDBACK_LIMITS, () => now)
    await after.deposit(key, box(), { peer: 'a' })
    expect((await after.collect(key, cursor)).sealed.length).toBe(1)
  })
})

describe('FEEDBACK and COLLECT at a relay (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const clients: Libp2p[] = []
  const kept = new TestChannel()
  const client = async (): Promise<Libp2p> => {
    const c = await startClient()
    clients.push(c)
    await c.dial(relay.multiaddrs[0])
    return c
  }
  const deposit = (channelKey: Uint8Array, sealed?: Uint8Array): HistoryRequest =>
    ({ kind: HistoryRequest.Kind.FEEDBACK, channelKey, after: 0n, limit: 0, latest: false, posts: [], ...(sealed != null ? { sealed } : {}) })
  const refusal = async (c: Libp2p, request: HistoryRequest): Promise<string> =>
    await historyRequest(c, relay.peerId, request, { signal: AbortSignal.timeout(10_000) }).then(() => 'accepted', (err: { code?: string }) => err.code ?? String(err))

  beforeAll(async () => {
    dir = await tempDir('parley-feedback-abuse-')
    relay = await startTestRelay(`${dir.path}/relay`, { channels: { keep: [channelId(kept.key)], reconcileIntervalMs: 0 } })
  }, 60_000)
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => { await c.stop() }))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('refuses feedback for channels it does not keep or has no posts of, and malformed boxes', async () => {
    const c = await client()
    expect(await refusal(c, deposit(kept.key, randomBytes(SEALED_FEEDBACK_BYTES)))).toBe('ERR_CHANNEL_NOT_KEPT') // no posts yet
    const first = kept.next('hello')
    await historyRequest(c, relay.peerId, { kind: HistoryRequest.Kind.STORE, channelKey: kept.key, after: 0n, limit: 0, latest: false, posts: [first.bytes] })
    expect(await refusal(c, deposit(new TestChannel().key, randomBytes(SEALED_FEEDBACK_BYTES)))).toBe('ERR_CHANNEL_NOT_KEPT')
    expect(await refusal(c, deposit(kept.key))).toBe('ERR_MALFORMED_REQUEST')
    expect(await refusal(c, deposit(kept.key, randomBytes(SEALED_FEEDBACK_BYTES + 1)))).toBe('ERR_MALFORMED_REQUEST')
    expect(await refusal(c, deposit(kept.key, randomBytes(SEALED_FEEDBACK_BYTES)))).toBe('accepted')
  })

  it('a flooding peer is cut off at its burst; another reader is still served and the owner collects both', async () => {
    const flooder = await client()
    const started = Date.now()
    let accepted = 0
    let refused = ''
    for (let i = 0; i < 40; i++) {
      const result = await refusal(flooder, deposit(kept.key, sealFeedback(kept.key, feedback({ emoji: '🤖' }))))
      if (result === 'accepted') accepted++
      else refused = result
    }
    // the burst, plus what the bucket refilled meanwhile (0.1 a second: none unless the machine is very slow)
    const refill = Math.ceil((Date.now() - started) / 1000 * DEFAULT_FEEDBACK_LIMITS.peerRate.perSecond)
    expect(accepted).toBeGreaterThanOrEqual(DEFAULT_FEEDBACK_LIMITS.peerRate.burst)
    expect(accepted).toBeLessThanOrEqual(DEFAULT_FEEDBACK_LIMITS.peerRate.burst + refill)
    expect(refused).toBe('ERR_RATE_LIMITED')
    const reader = await client()
    expect(await refusal(reader, deposit(kept.key, sealFeedback(kept.key, feedback({ emoji: '🙂' }))))).toBe('accepted')

    // the owner collects: its own signature, fresh
    const owner = await client()
    const at = Date.now()
    const answer = await historyRequest(owner, relay.peerId, {
      kind: HistoryRequest.Kind.COLLECT, channelKey: kept.key, after: 0n, limit: 0, latest: false, posts: [], at: BigInt(at), signature: signCollect(kept.keys.secretKey, kept.key, 0, at)
    })
    const emojis = (answer.feedback?.sealed ?? []).flatMap((s) => { try { return [openFeedback(kept.keys.secretKey, kept.key, s).emoji] } catch { return [] } })
    expect(emojis.filter((e) => e === '🙂').length).toBe(1)
    expect(emojis.filter((e) => e === '🤖').length).toBe(accepted)
    // a COLLECT signed with a key that is not the channel's is refused
    const stranger = generateSigningKeyPair()
    expect(await refusal(owner, {
      kind: HistoryRequest.Kind.COLLECT, channelKey: kept.key, after: 0n, limit: 0, latest: false, posts: [], at: BigInt(at), signature: signCollect(stranger.secretKey, kept.key, 0, at)
    })).toBe('ERR_NOT_ALLOWED')
  })

  it('a forged tally (signed by a key that is neither owner nor admin) is refused like any forged post', async () => {
    const c = await client()
    const stranger = generateSigningKeyPair()
    const last = kept.posts.at(-1)
    const forged = signChannelPost(stranger, {
      channelKey: kept.key,
      seq: kept.posts.length + 1,
      ...(last != null ? { prev: last.hash } : {}),
      body: { kind: PostBody.Kind.TALLY, text: '', target: 0n, channelName: '', tallies: { tallies: [{ target: 1n, reactions: [{ emoji: '👍', count: 1_000_000 }], views: 1_000_000n }] } },
      createdAt: Date.now()
    })
    expect(await refusal(c, { kind: HistoryRequest.Kind.STORE, channelKey: kept.key, after: 0n, limit: 0, latest: false, posts: [forged] })).toBe('ERR_CHANNEL_POST_INVALID')
  })
})
