/**
 * The direct path (issue #22, item 2): envelopes a peer pushes together are stored in one
 * transaction and each acked after its commit; texts sent pipelined (many `sendText` calls in
 * flight at once) arrive once each and keep the order they were sent in. Real relay and
 * messengers on 127.0.0.1, real LevelDB.
 */
import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { decodeEnvelope, ENVELOPE_PROTOCOL, Envelope } from '../../src/net/envelope-codec.js'
import { encodeFrame, FrameReader } from '../../src/net/stream/frame-reader.js'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger, type NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import type { Store } from '../../src/store/index.js'
import { Ack } from '../../src/wire/parley.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

describe('envelopes pushed together are stored together (issue #22)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: Messenger
  let bob: Messenger | undefined

  beforeAll(async () => {
    dir = await tempDir('parley-direct-batch-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice = await startTestMessenger(dir.path, 'alice', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays)
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  const textsOf = async (m: Messenger, peer: string): Promise<string[]> => (await m.messages((await m.conversationWith(peer)).id, { limit: 500 })).items.map((x) => x.text ?? '').reverse()

  it('40 texts sent pipelined arrive once each, in the order they were sent, on both sides', async () => {
    const chat = await alice.conversationWith(bob!.address)
    const first = new Promise<void>((resolve) => { bob!.addEventListener('message', () => { resolve() }, { once: true }) })
    await alice.sendText(chat.id, 'hello')
    await first
    const texts = Array.from({ length: 40 }, (_, i) => `pipelined ${i}`)
    let received = 0
    bob!.addEventListener('message', () => { received++ })
    const sent = await Promise.all(texts.map(async (text) => alice.sendText(chat.id, text)))
    await waitFor(() => received >= texts.length, 60_000, 'all pipelined texts received')
    // consecutive clocks in the order of the calls
    expect(new Set(sent.map((m) => m.id)).size).toBe(texts.length)
    expect(await textsOf(alice, bob!.address)).toEqual(['hello', ...texts])
    expect(await textsOf(bob!, alice.address)).toEqual(['hello', ...texts])
    expect(received).toBe(texts.length)
  }, 120_000)

  it('ten sealed envelopes written together on one stream: one transaction of ten parts, every one acked after it and stored once, in order; a replay among them dropped; sent again, nothing changes', async () => {
    const chat = await alice.conversationWith(bob!.address)
    const victim = (await alice.node.lookupAccount(bob!.address)).body.devices[0]
    const mailbox = toHex(victim.deviceKey)
    const before = await textsOf(alice, bob!.address)
    await bob!.stop()
    bob = undefined
    // sealed by alice's messenger as usual, held at the relay while bob is away...
    const texts = Array.from({ length: 9 }, (_, i) => `together ${i}`)
    for (const text of texts) {
      const sent = await alice.sendText(chat.id, text)
      await waitFor(async () => (await alice.messages(chat.id)).items.find((m) => m.id === sent.id)?.status === 'stored', 30_000, `${text} stored at the relay`)
    }
    const page = await relay.store.fetch(mailbox, '', 500, 1 << 26, Date.now())
    expect(page.envelopes).toHaveLength(texts.length)
    const copies = page.envelopes.map((bytes) => decodeEnvelope(bytes))
    // ...then taken from it, so that they reach bob directly, all in one write
    await relay.store.ack(mailbox, copies.map((e) => toHex(e.id)))
    const node = await openHomeNode({ home: join(dir.path, 'bob'), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
    const pages = watchParts(node.store)
    bob = new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 } })
    await bob.start()
    // a replay of the fourth text under a new envelope id in the middle (the ratchet drops it)
    const batch: Envelope[] = [...copies.slice(0, 5), { ...copies[3], id: randomBytes(16) }, ...copies.slice(5)]
    const send = async (): Promise<Ack[]> => {
      const stream = await alice.node.libp2p.dialProtocol(node.multiaddrs[0], ENVELOPE_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      const reader = new FrameReader(stream, { maxFrameBytes: 512 })
      stream.send(Buffer.concat(batch.map((e) => encodeFrame(Envelope.encode(e)))))
      const acks: Ack[] = []
      for (let i = 0; i < batch.length; i++) acks.push(Ack.decode((await reader.next({ signal: AbortSignal.timeout(60_000) }))!))
      await stream.close()
      return acks
    }
    const acks = await send()
    expect(acks.map((a) => toHex(a.id))).toEqual(batch.map((e) => toHex(e.id)))
    expect(acks.map((a) => a.status)).toEqual(batch.map(() => 'OK'))
    // one transaction: each envelope one part of it (one at a time, ten transactions of one part)
    expect(pages).toEqual([batch.length])
    expect(await textsOf(bob, alice.address)).toEqual([...before, ...texts])
    // the same frames again (as after an ack lost on the way): duplicates, nothing stored twice
    const again = await send()
    expect(again.map((a) => a.status).every((s) => s === 'OK' || s === 'DUPLICATE')).toBe(true)
    expect(await textsOf(bob, alice.address)).toEqual([...before, ...texts])
  }, 180_000)
})

/** Counts, per transaction that used parts, how many parts it ran (received envelopes). */
function watchParts (store: Store): number[] {
  const counts: number[] = []
  const transaction = store.transaction.bind(store)
  store.transaction = async (fn, options) => transaction(async (tx, part) => {
    let parts = 0
    try {
      return await fn(tx, async (f) => { parts++; return await part(f) })
    } finally {
      if (parts > 0) counts.push(parts)
    }
  }, options)
  return counts
}
