/**
 * The drain's page transaction (issue #22, item 2): a drained page is received in one store
 * transaction and acked after its commit; poison envelopes in the middle of the page leave
 * nothing of themselves and roll back nothing of the others. Real relay and messengers on
 * 127.0.0.1, real LevelDB.
 */
import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { decodeSessionState } from '../../src/crypto/index.js'
import { deviceSessionKeys } from '../../src/device/session-keys.js'
import { E2ESessions } from '../../src/messenger/sessions/e2e-sessions.js'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { decodeEnvelope, ENVELOPE_VERSION, type Envelope } from '../../src/net/envelope-codec.js'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger, type NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import type { Store } from '../../src/store/index.js'
import { Content } from '../../src/wire/content.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { forgedEnvelopeFromUnknownAccount } from './forged-envelope.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

describe('a drained page is one transaction, acked after its commit (issue #22)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: Messenger
  let bob: Messenger | undefined
  let depositor: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-batched-drain-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice = await startTestMessenger(dir.path, 'alice', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays)
    depositor = new MailboxClient(alice.node.libp2p)
  }, 60_000)

  afterAll(async () => {
    await depositor?.stop()
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('poison envelopes in the middle of a page: every other message delivered once and in order, the poisons dropped, one transaction, nothing left at the relay', async () => {
    const chat = await alice.conversationWith(bob!.address)
    const first = new Promise<void>((resolve) => { bob!.addEventListener('message', () => { resolve() }, { once: true }) })
    await alice.sendText(chat.id, 'hello') // direct: the session exists before the drain
    await first
    const victim = (await alice.node.lookupAccount(bob!.address)).body.devices[0]
    const mailbox = toHex(victim.deviceKey)
    const held = async (): Promise<Uint8Array[]> => (await relay.store.fetch(mailbox, '', 500, 1 << 26, Date.now())).envelopes
    await bob!.stop()
    bob = undefined

    const stateOf = async (id: string): Promise<string | undefined> => (await alice.messages(chat.id)).items.find((m) => m.id === id)?.status
    const sendStored = async (texts: string[]): Promise<void> => {
      for (const text of texts) {
        const sent = await alice.sendText(chat.id, text)
        await waitFor(async () => await stateOf(sent.id) === 'stored', 30_000, `${text} stored at the relay`)
      }
    }
    const before = ['page 1', 'page 2', 'page 3', 'page 4']
    const after = ['page 5', 'page 6', 'page 7', 'page 8']
    await sendStored(before)

    // poison 1: from alice's own device and session (authenticated, decrypts), but an ATTACHMENT
    // content without its announcement: the handler refuses it after the session state was staged
    const aliceSessions = new E2ESessions(alice.node.store, alice.node.backend, deviceSessionKeys(alice.node.identity, alice.node.prekeys, alice.node.backend))
    const malformed = Content.encode({ ...Content.decode(new Uint8Array(0)), kind: Content.Kind.ATTACHMENT, messageId: randomBytes(16), clock: 100n, sentAt: BigInt(Date.now()) })
    const sealed = await aliceSessions.seal(victim, malformed)
    await alice.node.store.transaction(async (tx) => { await sealed.commit(tx) })
    // poison 2: a copy of 'page 3' under a new envelope id (a replay)
    const page3 = (await held()).map((bytes) => decodeEnvelope(bytes))[2]
    // poison 3: a sender nobody can find (fails before the transaction)
    const forged = await forgedEnvelopeFromUnknownAccount(victim)
    const now = Date.now()
    const envelope = (payload: Uint8Array): Envelope => ({ version: ENVELOPE_VERSION, id: randomBytes(16), recipientDevice: victim.deviceKey, payload, createdAt: BigInt(now), expiresAt: BigInt(now + 3_600_000), flags: 0 })
    for (const poison of [envelope(sealed.payload), { ...page3, id: randomBytes(16) }, forged]) await depositor.deposit(relays[0], poison)
    await sendStored(after)
    expect((await held()).length).toBe(before.length + 3 + after.length)
    const copies = (await held()).map((bytes) => decodeEnvelope(bytes))

    // bob comes back: his store's transactions are watched from the start
    const node = await openHomeNode({ home: join(dir.path, 'bob'), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
    const pages = watchParts(node.store)
    bob = new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }, receiveRetry: { unknownSenderMaxAttempts: 1 } })
    await bob.start() // resolves once the first drain is done
    const bobChat = await bob.conversationWith(alice.address)
    const texts = (await bob.messages(bobChat.id)).items.map((m) => m.text).reverse() // newest first
    expect(texts).toEqual(['hello', ...before, ...after])

    // one transaction for the page: every envelope that reached it was one part of it
    expect(pages).toEqual([before.length + 2 + after.length])
    // the refused content left nothing of itself: its message key is the one skipped key of the
    // session (had its part been kept, none would be; had the envelopes after it read the session
    // outside the transaction, every one before them would be)
    const aliceDevice = (await alice.node.lookupAccount(alice.address)).body.devices[0].deviceKey
    const session = await node.store.sessions.get(toHex(victim.deviceKey), toHex(aliceDevice))
    expect(session).toBeDefined()
    expect(decodeSessionState(session!).skipped.size).toBe(1)
    // everything acked after the commit: the texts, the dropped poisons, the quarantined forgery
    await waitFor(async () => (await held()).length === 0, 10_000, 'bob\'s mailbox empty at the relay')
    expect((await bob.quarantined()).map((q) => q.id)).toEqual([toHex(forged.id)])
    // the same page delivered again (as after a crash between the commit and the ack) changes
    // nothing (new envelope ids, so that the relay takes them again: replays of the ratchet)
    for (const copy of copies) await depositor.deposit(relays[0], { ...copy, id: randomBytes(16) })
    await waitFor(async () => (await held()).length === 0, 30_000, 'the re-delivered page acked')
    expect((await bob.messages(bobChat.id)).items.map((m) => m.text).reverse()).toEqual(['hello', ...before, ...after])
  }, 120_000)

  it('a page is split after a handshake that consumed a one-time prekey: the handshake commits alone (its prekey deleted before the next is opened), the rest follows in a second transaction', async () => {
    const carol = await startTestMessenger(dir.path, 'carol', relays)
    try {
      const bobAddress = bob!.address
      await bob!.stop()
      bob = undefined
      const stored = async (m: Messenger, chatId: string, text: string): Promise<void> => {
        const sent = await m.sendText(chatId, text)
        await waitFor(async () => (await m.messages(chatId)).items.find((x) => x.id === sent.id)?.status === 'stored', 30_000, `${text} stored at the relay`)
      }
      // carol's first message starts a session with a one-time prekey taken from bob's relay
      const carolChat = await carol.conversationWith(bobAddress)
      for (const text of ['carol 1', 'carol 2', 'carol 3']) await stored(carol, carolChat.id, text)
      const aliceChat = await alice.conversationWith(bobAddress)
      for (const text of ['alice 1', 'alice 2']) await stored(alice, aliceChat.id, text)

      const node = await openHomeNode({ home: join(dir.path, 'bob'), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
      const pages = watchParts(node.store)
      bob = new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 } })
      await bob.start()
      const texts = async (address: string): Promise<string[]> => (await bob!.messages((await bob!.conversationWith(address)).id)).items.map((m) => m.text ?? '').reverse()
      expect(await texts(carol.address)).toEqual(['carol 1', 'carol 2', 'carol 3'])
      expect((await texts(alice.address)).slice(-2)).toEqual(['alice 1', 'alice 2'])
      // the handshake alone, then the four envelopes behind it
      expect(pages).toEqual([1, 4])
    } finally {
      await carol.stop()
    }
  }, 120_000)
})

/**
 * Counts, per transaction that used parts, how many parts it ran (the drain's page
 * transactions; other transactions use none).
 */
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
