import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Libp2p } from '@libp2p/interface'
import { channelId } from '../../src/identity/channel/index.js'
import { historyRequest } from '../../src/net/channel-history.js'
import { startRelay, type Relay } from '../../src/relay/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { HistoryRequest } from '../../src/wire/channel.js'
import { tempDir } from '../helpers/network.js'
import { startClient, startTestRelay } from '../relay/helpers.js'
import { TestChannel } from './helpers.js'
import { encodeFrame } from '../../src/net/stream/frame-reader.js'

const PROTOCOL = '/parley/channel-history/1.0.0'

function query (channelKey: Uint8Array, after: number, limit: number): HistoryRequest {
  return { kind: HistoryRequest.Kind.QUERY, channelKey, after: BigInt(after), limit, latest: false, posts: [] }
}
function store (channelKey: Uint8Array, posts: Uint8Array[]): HistoryRequest {
  return { kind: HistoryRequest.Kind.STORE, channelKey, after: 0n, limit: 0, latest: false, posts }
}
async function refusal (promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
  return 'no error'
}

describe('/parley/channel-history abuse (relay on 127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let small: Relay
  const clients: Libp2p[] = []
  const kept = new TestChannel()
  const client = async (): Promise<Libp2p> => {
    const c = await startClient()
    clients.push(c)
    await c.dial(relay.multiaddrs[0])
    await c.dial(small.multiaddrs[0])
    return c
  }

  beforeAll(async () => {
    dir = await tempDir('parley-channel-abuse-')
    relay = await startTestRelay(`${dir.path}/relay`, { channels: { keep: [channelId(kept.key)], reconcileIntervalMs: 0 } })
    small = await startTestRelay(`${dir.path}/small`, { channels: { keep: 'all', maxBytes: 20_000, maxBytesPerChannel: 8_000, maxChannels: 2, reconcileIntervalMs: 0 } })
  }, 60_000)
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => { await c.stop() }))
    await relay?.stop()
    await small?.stop()
    await dir?.cleanup()
  })

  it('bounds queries: a huge limit gets at most 200 posts; a STORE of more than 16 posts is malformed', async () => {
    const c = await client()
    for (let i = 0; i < 250; i++) kept.next(`post ${i + 1}`)
    for (let i = 0; i < 250; i += 16) {
      await historyRequest(c, relay.peerId, store(kept.key, kept.posts.slice(i, i + 16).map((p) => p.bytes)), { signal: AbortSignal.timeout(10_000) })
    }
    const page = await historyRequest(c, relay.peerId, query(kept.key, 0, 4_000_000_000), { signal: AbortSignal.timeout(10_000) })
    expect(page.posts.length).toBe(200)
    expect(Number(page.head)).toBe(250)
    const rest = await historyRequest(c, relay.peerId, query(kept.key, 200, 500), { signal: AbortSignal.timeout(10_000) })
    expect(rest.posts.length).toBe(50)
    expect(await refusal(historyRequest(c, relay.peerId, store(kept.key, kept.posts.slice(0, 17).map((p) => p.bytes))))).toBe('ERR_MALFORMED_REQUEST')
  }, 60_000)

  it('refuses with typed errors: garbage, a bad key, forged and conflicting posts, channels not kept', async () => {
    const c = await client()
    const stream = await c.dialProtocol(relay.peerId, PROTOCOL)
    stream.send(encodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])))
    const { FrameReader } = await import('../../src/net/stream/frame-reader.js')
    const { HistoryResponse } = await import('../../src/wire/channel.js')
    const answer = HistoryResponse.decode(await new FrameReader(stream, { maxFrameBytes: 4096 }).next() as Uint8Array)
    expect(answer.errorCode).toBe('ERR_MALFORMED_REQUEST')
    expect(await refusal(historyRequest(c, relay.peerId, query(new Uint8Array(31), 0, 10)))).toBe('ERR_MALFORMED_REQUEST')

    const other = new TestChannel()
    expect(await refusal(historyRequest(c, relay.peerId, store(other.key, [other.next('not kept here').bytes])))).toBe('ERR_CHANNEL_NOT_KEPT')
    expect(await refusal(historyRequest(c, relay.peerId, query(other.key, 0, 10)))).toBe('ERR_CHANNEL_NOT_KEPT')

    const forged = kept.posts[0].bytes.slice()
    forged[forged.length - 1] ^= 1
    expect(await refusal(historyRequest(c, relay.peerId, store(kept.key, [forged])))).toBe('ERR_CHANNEL_POST_INVALID')
    const impostor = new TestChannel()
    const wrongChannel = impostor.next('signed by someone else')
    expect(await refusal(historyRequest(c, relay.peerId, store(kept.key, [wrongChannel.bytes])))).toBe('ERR_CHANNEL_POST_INVALID')
    // a second, validly signed post under a number already kept (a fork) is refused
    const fork = new TestChannel()
    Object.assign(fork, { keys: kept.keys })
    const forkedFirst = fork.next('another post 1')
    expect(await refusal(historyRequest(c, relay.peerId, store(kept.key, [forkedFirst.bytes])))).toBe('ERR_CHANNEL_CONFLICT')
    // the relay still answers
    expect((await historyRequest(c, relay.peerId, query(kept.key, 249, 10))).posts.length).toBe(1)
  }, 60_000)

  it('an oversized frame is cut off without harming the relay', async () => {
    const c = await client()
    const stream = await c.dialProtocol(relay.peerId, PROTOCOL)
    // a length prefix of 3 MiB (over the 2 MiB frame bound), then some bytes
    stream.send(new Uint8Array([0x80, 0x80, 0xc0, 0x01]))
    stream.send(new Uint8Array(1024))
    const { FrameReader } = await import('../../src/net/stream/frame-reader.js')
    const { HistoryResponse } = await import('../../src/wire/channel.js')
    const answer = HistoryResponse.decode(await new FrameReader(stream, { maxFrameBytes: 4096 }).next() as Uint8Array)
    expect(answer.errorCode).toBe('ERR_FRAME_TOO_LARGE')
    expect((await historyRequest(await client(), relay.peerId, query(kept.key, 0, 1))).posts.length).toBe(1)
  }, 60_000)

  it('limits requests per peer; another peer is still served', async () => {
    const flooder = await client()
    const codes: string[] = []
    for (let i = 0; i < 80; i++) codes.push(await refusal(historyRequest(flooder, relay.peerId, query(kept.key, 0, 1))))
    expect(codes.filter((c) => c === 'no error').length).toBeGreaterThan(30)
    expect(codes.filter((c) => c === 'ERR_RATE_LIMITED').length).toBeGreaterThan(0)
    const polite = await client()
    expect((await historyRequest(polite, relay.peerId, query(kept.key, 0, 1))).posts.length).toBe(1)
  }, 60_000)

  it('per-channel bytes drop the oldest posts; total bytes and channel count refuse new ones', async () => {
    const c = await client()
    const big = new TestChannel()
    const text = 'x'.repeat(1500)
    for (let i = 0; i < 10; i++) big.next(text)
    for (const post of big.posts) await historyRequest(c, small.peerId, store(big.key, [post.bytes]))
    expect(await small.channels?.history.bytes(big.key)).toBeLessThanOrEqual(8_000)
    const kept1 = await historyRequest(c, small.peerId, query(big.key, 0, 100))
    expect(Number(kept1.head)).toBe(10)
    expect(kept1.posts.length).toBeLessThan(10)
    expect(Number((await import('../../src/wire/channel.js')).ChannelPost.decode(kept1.posts.at(-1) as Uint8Array).seq)).toBe(10)

    const second = new TestChannel()
    for (let i = 0; i < 10; i++) second.next(text)
    for (const post of second.posts) await historyRequest(c, small.peerId, store(second.key, [post.bytes]))
    const third = new TestChannel()
    expect(await refusal(historyRequest(c, small.peerId, store(third.key, [third.next('one channel too many').bytes])))).toBe('ERR_CHANNEL_HISTORY_FULL')
    expect(await small.channels?.history.bytes()).toBeLessThanOrEqual(20_000)
  }, 60_000)

  it('the relay\'s sweep drops posts past retention from a channel that gets no new post', async () => {
    let clock = Date.now()
    const aged = await startRelay({
      dataDir: `${dir.path}/aged`, listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, provide: { enabled: false }, log: { level: 'silent' },
      channels: { keep: 'all', retention: 3_600_000, reconcileIntervalMs: 0 }
    }, { logger: silentLogger, now: () => clock })
    try {
      const c = await startClient()
      clients.push(c)
      await c.dial(aged.multiaddrs[0])
      const quiet = new TestChannel()
      await historyRequest(c, aged.peerId, store(quiet.key, [quiet.next('old news').bytes]))
      expect(await aged.channels?.history.bytes(quiet.key)).toBeGreaterThan(0)
      await aged.sweep()
      expect(await aged.channels?.history.bytes(quiet.key)).toBeGreaterThan(0) // within retention: kept
      clock += 2 * 3_600_000
      await aged.sweep()
      expect(await aged.channels?.history.bytes(quiet.key)).toBe(0)
    } finally {
      await aged.stop()
    }
  }, 60_000)
})
