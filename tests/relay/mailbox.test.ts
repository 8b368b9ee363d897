import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

describe('relay mailbox: deposit, fetch, ack, subscribe, restart', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let sender: Libp2p
  let owner: Libp2p

  beforeAll(async () => {
    dir = await tempDir('parley-relay-')
    relay = await startTestRelay(dir.path)
    sender = await startClient()
    owner = await startClient()
  })

  afterAll(async () => {
    await sender?.stop()
    await owner?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('deposit → fetch → ack round trip, with dedup by envelope id', async () => {
    const alice = makeOwner()
    const senderClient = new MailboxClient(sender)
    const ownerClient = new MailboxClient(owner)
    const addr = relay.multiaddrs[0]
    const envelopes = [makeEnvelope(alice.deviceKey), makeEnvelope(alice.deviceKey)]
    for (const e of envelopes) expect(await senderClient.deposit(addr, e)).toEqual({ duplicate: false })
    expect(await senderClient.deposit(addr, envelopes[0])).toEqual({ duplicate: true })

    const page = await ownerClient.fetch(addr, alice)
    expect(page.envelopes.map((e) => hex(e.id))).toEqual(envelopes.map((e) => hex(e.id)))
    expect(hex(page.envelopes[1].payload)).toBe(hex(envelopes[1].payload))
    expect(page.more).toBe(false)

    expect(await ownerClient.ack(addr, alice, page.envelopes.map((e) => e.id))).toBe(2)
    expect((await ownerClient.fetch(addr, alice)).envelopes).toHaveLength(0)
    // acked ids are gone: depositing the same id again stores it again (the owner dedups on its side)
    expect(await ownerClient.ack(addr, alice, [envelopes[0].id])).toBe(0)
    await senderClient.stop()
    await ownerClient.stop()
  })

  it('pages through a mailbox with a cursor; drain fetches and acks everything', async () => {
    const bob = makeOwner()
    const senderClient = new MailboxClient(sender)
    const ownerClient = new MailboxClient(owner)
    const addr = relay.multiaddrs[0]
    for (let i = 0; i < 25; i++) await senderClient.deposit(addr, makeEnvelope(bob.deviceKey))
    const first = await ownerClient.fetch(addr, bob, { limit: 10 })
    expect(first.envelopes).toHaveLength(10)
    expect(first.more).toBe(true)
    const second = await ownerClient.fetch(addr, bob, { limit: 10, cursor: first.cursor })
    expect(second.envelopes).toHaveLength(10)
    expect(hex(second.envelopes[0].id)).not.toBe(hex(first.envelopes[9].id))
    const seen: Uint8Array[] = []
    expect(await ownerClient.drain(addr, bob, (e) => { seen.push(e.id) }, { pageSize: 7 })).toBe(25)
    expect((await ownerClient.fetch(addr, bob)).envelopes).toHaveLength(0)
    await senderClient.stop()
    await ownerClient.stop()
  })

  it('subscribe pushes a deposit made while the owner is connected', async () => {
    const carol = makeOwner()
    const senderClient = new MailboxClient(sender)
    const ownerClient = new MailboxClient(owner)
    const addr = relay.multiaddrs[0]
    const pushed: Uint8Array[] = []
    const sub = await ownerClient.subscribe(addr, carol, (e) => { pushed.push(e.id) })
    const envelope = makeEnvelope(carol.deviceKey)
    await senderClient.deposit(addr, envelope)
    await waitFor(() => pushed.length === 1, 5000, 'push')
    expect(hex(pushed[0])).toBe(hex(envelope.id))
    // a pushed (non-secret) envelope stays until acked
    expect(await ownerClient.ack(addr, carol, [envelope.id])).toBe(1)
    sub.close()
    await sub.closed
    await senderClient.stop()
    await ownerClient.stop()
  })

  it('stops gracefully under load: every deposit it acked is there after a restart', async () => {
    const erin = makeOwner()
    const senderClient = new MailboxClient(sender)
    const addr = relay.multiaddrs[0]
    await senderClient.deposit(addr, makeEnvelope(erin.deviceKey))
    const envelopes = Array.from({ length: 60 }, () => makeEnvelope(erin.deviceKey))
    const results = envelopes.map(async (e) => senderClient.deposit(addr, e).then(() => hex(e.id), () => undefined))
    await new Promise((resolve) => setTimeout(resolve, 5))
    await relay.stop()
    const acked = (await Promise.all(results)).filter((id): id is string => id != null)
    await senderClient.stop()
    relay = await startTestRelay(dir.path)
    const ownerClient = new MailboxClient(owner)
    const held = new Set<string>()
    await ownerClient.drain(relay.multiaddrs[0], erin, (e) => { held.add(hex(e.id)) })
    for (const id of acked) expect(held.has(id)).toBe(true)
    await ownerClient.stop()
  })

  it('keeps envelopes and its PeerId across a restart on the same data dir', async () => {
    const dave = makeOwner()
    const senderClient = new MailboxClient(sender)
    const envelope = makeEnvelope(dave.deviceKey)
    await senderClient.deposit(relay.multiaddrs[0], envelope)
    await senderClient.stop()
    const peerId = relay.peerId.toString()
    await relay.stop()
    relay = await startTestRelay(dir.path)
    expect(relay.peerId.toString()).toBe(peerId)
    const ownerClient = new MailboxClient(owner)
    const page = await ownerClient.fetch(relay.multiaddrs[0], dave)
    expect(page.envelopes.map((e) => hex(e.id))).toEqual([hex(envelope.id)])
    await ownerClient.stop()
  })
})
