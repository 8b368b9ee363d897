import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { confirmNextLink, nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

/** Remote PeerIds of every connection a relay accepts. */
function watchPeers (relay: Relay): Set<string> {
  const seen = new Set<string>()
  relay.libp2p.addEventListener('connection:open', (evt) => { seen.add(evt.detail.remotePeer.toString()) })
  return seen
}

/**
 * The attack of issue #15 item 5: curious relays compare the depositor PeerIds they see. Bob's
 * mailbox is on one relay, Carol's on another and Alice's own (both her devices) on a third;
 * Alice, on her phone, writes to Bob and to Carol while they and her laptop are offline, so
 * every envelope (and the sync copy to her laptop) is deposited. With one shared throwaway
 * identity, all three relays would see the same PeerId; Alice's relay learns her account when
 * her laptop logs in, and so learns that Alice wrote to Bob and Carol.
 */
describe('sealed sender against relays that compare notes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const relays: Record<'bob' | 'carol' | 'alice', Relay | undefined> = { bob: undefined, carol: undefined, alice: undefined }
  let phone: Messenger
  let laptop: Messenger
  let bob: Messenger
  let carol: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-sealed-')
    for (const name of ['bob', 'carol', 'alice'] as const) relays[name] = await startTestRelay(join(dir.path, `relay-${name}`))
    const addr = (name: 'bob' | 'carol' | 'alice'): string => relays[name]!.multiaddrs[0].toString()
    const bootstrap = [addr('bob'), addr('carol'), addr('alice')]
    phone = await startTestMessenger(dir.path, 'phone', [addr('alice')], { node: { bootstrap } })
    bob = await startTestMessenger(dir.path, 'bob', [addr('bob')], { node: { bootstrap } })
    carol = await startTestMessenger(dir.path, 'carol', [addr('carol')], { node: { bootstrap } })
    void confirmNextLink(phone)
    laptop = await openHomeMessenger({
      home: join(dir.path, 'laptop'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: await phone.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap, relays: [addr('alice')], allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }
    })
    await laptop.start()
  }, 90_000)

  afterAll(async () => {
    await phone?.stop()
    await laptop?.stop()
    await bob?.stop()
    await carol?.stop()
    for (const relay of Object.values(relays)) await relay?.stop()
    await dir?.cleanup()
  })

  it('each relay sees depositors of its own: none shared across recipients or with the copies to the own device', async () => {
    const known = new Set([phone, laptop, bob, carol].map((m) => m.node.libp2p.peerId.toString()))
    for (const relay of Object.values(relays)) known.add(relay!.peerId.toString())
    const laptopMailbox = toHex(laptop.node.deviceEntry().deviceKey)
    await Promise.all([bob.stop(), carol.stop(), laptop.stop()])
    const seen = { bob: watchPeers(relays.bob!), carol: watchPeers(relays.carol!), alice: watchPeers(relays.alice!) }

    for (const contact of [bob, carol]) {
      const chat = await phone.conversationWith(contact.address)
      const sent = await phone.sendText(chat.id, `hello ${contact.address.slice(0, 6)}`)
      await nextEvent(phone, 'delivery', (d) => d.messageId === sent.id && d.state === 'stored', 30_000)
    }
    // both sync copies for the laptop are held at Alice's relay
    await waitFor(() => relays.alice!.store.count(laptopMailbox) >= 2, 30_000, 'copies to the laptop')

    const throwaway = (peers: Set<string>): string[] => [...peers].filter((p) => !known.has(p))
    const atBob = throwaway(seen.bob)
    const atCarol = throwaway(seen.carol)
    const atAlice = throwaway(seen.alice)
    for (const peers of [atBob, atCarol, atAlice]) expect(peers.length).toBeGreaterThan(0)
    expect(atBob.filter((p) => atCarol.includes(p) || atAlice.includes(p))).toEqual([])
    expect(atCarol.filter((p) => atAlice.includes(p))).toEqual([])
  })
})
