import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { signDeviceEntry } from '../../src/identity/account-record.js'
import type { LinkRequestView } from '../../src/messenger/types.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { openHomeMessenger, type OpenHomeMessengerInit } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

/**
 * Two accounts with two devices each (alice1 + alice2, bob1 + bob2) and a relay, on 127.0.0.1:
 * device management (list, rename, unlink, the limit of 6) and what the devices of one account
 * keep in sync.
 */
describe('own devices: management and sync (two accounts, two devices each)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice1: Messenger
  let alice2: Messenger
  let bob1: Messenger
  let bob2: Messenger

  /** Links a new device to `from`'s account; `answer` plays the existing device's user (default: confirms). */
  const link = async (from: Messenger, name: string, answer: (request: LinkRequestView) => Promise<void> = async (r) => { await from.confirmDeviceLink(r.id, true) }, code?: string, extra: Partial<OpenHomeMessengerInit> = {}): Promise<Messenger> => {
    const shown: string[] = []
    const asked = from.next('device-link-request', { signal: AbortSignal.timeout(60_000) }).then(async (request) => {
      shown.push(request.sas)
      await answer(request)
    })
    const linked = await openHomeMessenger({
      home: join(dir.path, name), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code ?? await from.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 },
      onLinkSas: (sas) => { shown.push(sas) },
      ...extra
    }).catch(async (err) => { asked.catch(() => {}); throw err })
    await asked
    // both devices showed the same short authentication string
    expect(shown).toHaveLength(2)
    expect(shown[0]).toBe(shown[1])
    expect(shown[0]).toMatch(/^\d{3} \d{3}$/)
    await linked.start()
    return linked
  }
  /** Every device forgets what it cached of the others' records (they changed). */
  const forgetCaches = (): void => {
    for (const m of [alice1, alice2, bob1, bob2]) {
      if (m == null) continue
      m.node.directory.invalidate(alice1.node.accountKey)
      m.node.directory.invalidate(bob1.node.accountKey)
    }
  }

  beforeAll(async () => {
    dir = await tempDir('parley-own-devices-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice1 = await startTestMessenger(dir.path, 'alice1', relays)
    bob1 = await startTestMessenger(dir.path, 'bob1', relays)
    alice2 = await link(alice1, 'alice2')
    bob2 = await link(bob1, 'bob2')
    forgetCaches()
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice1, alice2, bob1, bob2]) await m?.stop().catch(() => {})
    await relay?.stop()
    await dir?.cleanup()
  })

  it('lists the devices with name, platform, added and last seen; a rename on one device shows on the other', async () => {
    const list = await alice1.devices()
    expect(list).toHaveLength(2)
    const mine = list.find((d) => d.thisDevice)!
    const other = list.find((d) => !d.thisDevice)!
    expect(mine.platform).toBe('node')
    expect(other.addedAt).toBeGreaterThan(0)
    expect(mine.addedAt).toBeGreaterThan(0)
    const renamed = nextEvent(alice2, 'devices-changed', (d) => d.reason === 'renamed')
    expect((await alice1.renameDevice(other.id, 'work laptop')).name).toBe('work laptop')
    await renamed
    const seenFromAlice2 = (await alice2.devices()).find((d) => d.thisDevice)!
    expect(seenFromAlice2.name).toBe('work laptop')
    // alice1 heard from alice2 at link time or since: last seen is set once a sync copy arrives
    await expect(alice1.renameDevice('00'.repeat(32), 'x')).rejects.toMatchObject({ code: 'ERR_DEVICE_NOT_FOUND' })
    await expect(alice1.renameDevice(other.id, '')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })

  it('a message from either device of alice reaches both of bob and appears as sent on her other device', async () => {
    for (const [sender, other] of [[alice1, alice2], [alice2, alice1]] as const) {
      const text = `hello from ${sender === alice1 ? 'alice1' : 'alice2'}`
      const chat = await sender.conversationWith(bob1.address)
      const arrivals = [
        nextEvent(bob1, 'message', (d) => d.message.text === text && d.message.direction === 'in'),
        nextEvent(bob2, 'message', (d) => d.message.text === text && d.message.direction === 'in'),
        nextEvent(other, 'message', (d) => d.message.text === text && d.message.direction === 'out')
      ]
      await sender.sendText(chat.id, text)
      await Promise.all(arrivals)
    }
    const seen = (await alice1.devices()).find((d) => !d.thisDevice)!
    expect(seen.lastSeen).not.toBeNull()
  })

  it('a read on one device of bob marks it read on his other device and reports read to alice', async () => {
    const chat1 = await bob1.conversationWith(alice1.address)
    const chat2 = await bob2.conversationWith(alice1.address)
    const aliceChat = await alice1.conversationWith(bob1.address)
    const text = 'read me'
    const onBob2 = nextEvent(bob2, 'message', (d) => d.message.text === text)
    const onBob1 = nextEvent(bob1, 'message', (d) => d.message.text === text)
    const sent = await alice1.sendText(aliceChat.id, text)
    const [{ message }] = await Promise.all([onBob2, onBob1])
    expect(message.status).toBe('received')
    const readOnBob2 = nextEvent(bob2, 'message-updated', (d) => d.message.id === sent.id && d.message.status === 'read')
    const readAtAlice = nextEvent(alice1, 'delivery', (d) => d.messageId === sent.id && d.state === 'read')
    await bob1.markRead(chat1.id)
    await Promise.all([readOnBob2, readAtAlice])
    expect((await bob2.getConversation(chat2.id)).unreadCount).toBe(0)
  })

  it('a delete-for-both from any device reaches all four', async () => {
    const chat = await alice2.conversationWith(bob1.address)
    const text = 'delete me everywhere'
    const arrived = [bob1, bob2, alice1].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === text))
    const sent = await alice2.sendText(chat.id, text)
    await Promise.all(arrived)
    const gone = [alice1, bob1, bob2].map(async (m) => nextEvent(m, 'messages-deleted', (d) => d.ids.includes(sent.id)))
    // deleted from bob2, a device that did not send it (either side may delete for both): every copy goes
    const bobChat = await bob2.conversationWith(alice1.address)
    await bob2.deleteMessages(bobChat.id, [sent.id], { forEveryone: true })
    await Promise.all(gone)
    for (const m of [alice1, alice2, bob1, bob2]) {
      const c = await m.conversationWith(m.address === alice1.address ? bob1.address : alice1.address)
      expect((await m.messages(c.id)).items.some((x) => x.id === sent.id)).toBe(false)
    }
  })

  it('a contact renamed, blocked and verified on one device is so on the other', async () => {
    const renamed = nextEvent(bob2, 'contact-updated', (d) => d.address === alice1.address && d.contact?.name === 'Alice A.')
    await bob1.renameContact(alice1.address, 'Alice A.')
    await renamed
    const blocked = nextEvent(bob2, 'contact-updated', (d) => d.address === alice1.address && d.contact?.blocked === true)
    await bob1.blockContact(alice1.address, true)
    await blocked
    const unblocked = nextEvent(bob2, 'contact-updated', (d) => d.address === alice1.address && d.contact?.blocked === false)
    await bob1.blockContact(alice1.address, false)
    await unblocked
    const verified = nextEvent(bob2, 'contact-updated', (d) => d.address === alice1.address && d.contact?.verification === 'verified')
    await bob1.markVerified(alice1.address)
    await verified
    expect((await bob2.listContacts()).find((c) => c.address === alice1.address)).toMatchObject({ name: 'Alice A.', blocked: false, verification: 'verified' })
  })

  it('a third device linked on bob1 is adopted by bob2 at once (SYNC with the new record, no restart)', async () => {
    const bob3 = await link(bob1, 'bob3', undefined, undefined, { history: { kind: 'none' } })
    const bob3Key = toHex(bob3.node.identity.device.signing.publicKey)
    try {
      await waitFor(async () => (await bob2.devices()).some((d) => d.id === bob3Key), 30_000, 'bob2 adopts the record listing bob3')
      // bob2's copies now include bob3 (delivery of that copy: see the report of issue #19)
      expect((await bob2.devices()).map((d) => d.id).sort()).toEqual((await bob1.devices()).map((d) => d.id).sort())
    } finally {
      await bob1.unlinkDevice(bob3Key).catch(() => {})
      await bob3.stop().catch(() => {})
    }
  })

  it('a device offline during 100 updates catches up from the relay in order, nothing missing or duplicated', async () => {
    await bob2.stop()
    const chat = await alice1.conversationWith(bob1.address)
    const texts = Array.from({ length: 100 }, (_, i) => `offline ${i}`)
    for (const [i, text] of texts.entries()) {
      await alice1.sendText(chat.id, text)
      if (i % 10 === 0) await bob1.renameContact(alice1.address, `Alice ${i}`)
    }
    await bob1.renameContact(alice1.address, 'Alice final')
    // everything is at the relay (or delivered to bob1) before bob2 comes back
    await waitFor(async () => (await alice1.status()).outbox === 0 && (await bob1.status()).outbox === 0, 60_000, 'outboxes drained')
    bob2 = await startTestMessenger(dir.path, 'bob2', relays)
    const bobChat = await bob2.conversationWith(alice1.address)
    await waitFor(async () => (await bob2.messages(bobChat.id, { limit: 500 })).items.filter((m) => m.text?.startsWith('offline ') === true).length >= 100, 60_000, 'catch-up')
    const got = (await bob2.messages(bobChat.id, { limit: 500 })).items.filter((m) => m.text?.startsWith('offline ') === true).reverse()
    expect(got.map((m) => m.text)).toEqual(texts)
    await waitFor(async () => (await bob2.listContacts()).find((c) => c.address === alice1.address)?.name === 'Alice final', 30_000, 'contact name')
  })

  it('unlink: the removed device wipes itself, contacts see a device change (not a key change) and drop its sessions', async () => {
    const alice2Key = toHex(alice2.node.identity.device.signing.publicKey)
    expect(await bob1.node.store.sessions.get(toHex(bob1.node.identity.device.signing.publicKey), alice2Key)).toBeDefined()
    const wiped = nextEvent(alice2, 'wiped', (d) => d.reason === 'unlinked', 30_000)
    const changed = nextEvent(bob1, 'contact-devices-changed', (d) => d.address === alice1.address, 30_000)
    let keyChanged = false
    bob1.addEventListener('contact-key-changed', () => { keyChanged = true })
    await expect(alice1.unlinkDevice(toHex(alice1.node.identity.device.signing.publicKey))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await alice1.unlinkDevice(alice2Key)
    await wiped
    expect((await alice1.devices()).map((d) => d.id)).toEqual([toHex(alice1.node.identity.device.signing.publicKey)])
    // bob looks alice up again: her record lists one device; the contact stays verified
    bob1.node.directory.invalidate(alice1.node.accountKey)
    await bob1['resolveAccount'](alice1.address, { fresh: true })
    expect(await changed).toEqual({ address: alice1.address, added: [], removed: [alice2Key] })
    expect(keyChanged).toBe(false)
    expect(await bob1.node.store.sessions.get(toHex(bob1.node.identity.device.signing.publicKey), alice2Key)).toBeUndefined()
    expect((await bob1.listContacts()).find((c) => c.address === alice1.address)?.verification).toBe('verified')
    // a new message reaches alice1 only
    const chat = await bob1.conversationWith(alice1.address)
    const got = nextEvent(alice1, 'message', (d) => d.message.text === 'after unlink')
    await bob1.sendText(chat.id, 'after unlink')
    await got
  })

  it('confirmed linking: a declined request, a wrong string, a reused code and a stranger are refused with typed errors', async () => {
    const before = alice1.node.ownRecordBody()?.devices.length
    // the existing device's user says no
    await expect(link(alice1, 'declined', async (r) => { await alice1.confirmDeviceLink(r.id, false) })).rejects.toMatchObject({ code: 'ERR_LINK_DECLINED' })
    // the user types what the new device shows, and it differs (someone else used the code first)
    await expect(link(alice1, 'mismatch', async (r) => {
      await expect(alice1.confirmDeviceLink(r.id, true, { sas: r.sas === '000 000' ? '111 111' : '000 000' })).rejects.toMatchObject({ code: 'ERR_LINK_DECLINED' })
    })).rejects.toMatchObject({ code: 'ERR_LINK_DECLINED' })
    expect(alice1.node.ownRecordBody()?.devices.length).toBe(before)
    await expect(alice1.confirmDeviceLink('feedbeef', true)).rejects.toMatchObject({ code: 'ERR_LINK_REQUEST_NOT_FOUND' })
    // a code is good for one request only, confirmed or not
    const code = await alice1.createDeviceLink()
    await expect(link(alice1, 'once', async (r) => { await alice1.confirmDeviceLink(r.id, false) }, code)).rejects.toMatchObject({ code: 'ERR_LINK_DECLINED' })
    await expect(openHomeMessenger({
      home: join(dir.path, 'twice'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code, listen: LOOPBACK_LISTEN, allowPrivateAddresses: true
    })).rejects.toMatchObject({ code: 'ERR_LINK_REFUSED' })
    expect(alice1.deviceLinkRequests()).toEqual([])
  })

  it('a device unlinked while it was off finds out at its next start and wipes itself', async () => {
    const alice3 = await link(alice1, 'alice3')
    const key = toHex(alice3.node.identity.device.signing.publicKey)
    await alice3.stop()
    await alice1.unlinkDevice(key)
    await expect(startTestMessenger(dir.path, 'alice3', relays)).rejects.toMatchObject({ code: 'ERR_DEVICE_UNLINKED' })
    // wiped: opening the home again finds no account in it
    await expect(startTestMessenger(dir.path, 'alice3', relays, { node: { create: false } })).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_(NO_ACCOUNT|STORE_WIPED|WRONG_PASSPHRASE)$/) })
  })

  it('a newly linked device receives contacts, timers and the history (1,000+ messages) but never a secret chat', async () => {
    // a secret chat on alice1, with a message in it
    // (a secret chat binds one device on each side: whichever of bob's devices it reached)
    const incomingOn = async (bob: Messenger): Promise<Messenger> => { await nextEvent(bob, 'conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming'); return bob }
    const incoming = Promise.any([incomingOn(bob1), incomingOn(bob2)])
    const secret = await alice1.startSecretChat(bob1.address)
    const bob = await incoming
    const active = nextEvent(alice1, 'conversation-updated', (d) => d.conversation.id === secret.id && d.conversation.secretState === 'active')
    await bob.acceptSecretChat(secret.id)
    await active
    const secretText = nextEvent(bob, 'message', (d) => d.message.text === 'secret history')
    await alice1.sendText(secret.id, 'secret history')
    await secretText
    // 1,000 more messages in the normal chat with bob, written into alice1's store (the transfer is what is measured here)
    const chat = await alice1.conversationWith(bob1.address)
    await alice1.setDisappearingTimer(chat.id, 7 * 86_400_000)
    const base = Date.now() - 86_400_000
    await alice1.store.messages.putMany(Array.from({ length: 1000 }, (_, i) => ({
      conversationId: chat.id, id: toHex(randomBytes(16)), clock: 10_000 + i, senderTimestamp: base + i, direction: i % 2 === 0 ? 'out' as const : 'in' as const,
      sender: i % 2 === 0 ? alice1.address : bob1.address, status: i % 2 === 0 ? 'read' as const : 'received' as const, expiresAt: null,
      content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: `seeded ${i}`, reactions: {}, forwardable: true }))
    })))
    const expected = (await alice1.messages(chat.id, { limit: 500 }))
    let all = [...expected.items]
    for (let cursor = expected.cursor; cursor != null;) {
      const page = await alice1.messages(chat.id, { limit: 500, cursor })
      all = [...all, ...page.items]
      cursor = page.cursor
    }
    expect(all.length).toBeGreaterThanOrEqual(1000)
    await alice1.markVerified(bob1.address)
    const progress: Array<{ received: number, total: number, done: boolean }> = []
    const started = Date.now()
    const alice4 = await link(alice1, 'alice4', undefined, undefined, { history: { kind: 'all' }, onHistoryProgress: (p) => { progress.push(p) } })
    const tookMs = Date.now() - started
    try {
      const last = progress.at(-1)!
      expect(last).toMatchObject({ done: true, received: all.length })
      expect(progress.filter((p) => !p.done).length).toBeGreaterThan(1)
      let got: typeof all = []
      for (let cursor: string | undefined, first = true; first || cursor != null; first = false) {
        const page = await alice4.messages(chat.id, { limit: 500, cursor })
        got = [...got, ...page.items]
        cursor = page.cursor
      }
      expect(got.map((m) => [m.id, m.text, m.direction, m.status])).toEqual(all.map((m) => [m.id, m.text, m.direction, m.status]))
      expect((await alice4.getConversation(chat.id)).disappearingTimerMs).toBe(7 * 86_400_000)
      expect((await alice4.listContacts()).find((c) => c.address === bob1.address)?.verification).toBe('verified')
      expect((await alice4.listContacts()).find((c) => c.address === bob1.address)).toEqual((await alice1.listContacts()).find((c) => c.address === bob1.address))
      await expect(alice4.getConversation(secret.id)).rejects.toMatchObject({ code: 'ERR_CONVERSATION_NOT_FOUND' })
      expect((await alice4.conversations()).items.every((c) => c.kind === 'normal')).toBe(true)
      console.log(`history transfer: ${all.length} messages in ${tookMs} ms (link included)`)
    } finally {
      await alice1.unlinkDevice(toHex(alice4.node.identity.device.signing.publicKey)).catch(() => {})
      await alice4.stop().catch(() => {})
    }
  }, 120_000)

  it('a seventh device is refused with a typed error', async () => {
    // alice1 plus more devices (entries validly signed by their own keys) make six
    const accountKey = alice1.node.accountKey
    const fakes = Array.from({ length: 6 - (alice1.node.ownRecordBody()?.devices.length ?? 0) }, () => {
      const secretKey = ed25519.utils.randomSecretKey()
      const publicKey = ed25519.getPublicKey(secretKey)
      return signDeviceEntry(accountKey, { peerId: randomBytes(34), deviceKey: publicKey, identityDhKey: randomBytes(32), addedAt: 1n }, { secretKey, publicKey })
    })
    await alice1.node.signAccountRecord({ addDevices: fakes })
    expect(alice1.node.ownRecordBody()?.devices).toHaveLength(6)
    await expect(link(alice1, 'alice7')).rejects.toMatchObject({ code: 'ERR_DEVICE_LIMIT' })
    expect(alice1.node.ownRecordBody()?.devices).toHaveLength(6)
  })
})
