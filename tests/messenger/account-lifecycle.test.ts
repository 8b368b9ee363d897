import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAddress } from '../../src/identity/address.js'
import { AccountExpiredError } from '../../src/messenger/messenger.js'
import { createMessenger } from '../../src/node/messenger.js'
import { openHomeNode } from '../../src/node/home.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}

describe('account life cycle', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay

  beforeAll(async () => {
    dir = await tempDir('parley-life-')
    relay = await startTestRelay(join(dir.path, 'relay'))
  }, 60_000)

  afterAll(async () => {
    await relay?.stop()
    await dir?.cleanup()
  })

  it('envelopes carry neither the plaintext nor the sender’s identity', async () => {
    const relays = [relay.multiaddrs[0].toString()]
    const alice = await startTestMessenger(dir.path, 'wire-a', relays)
    const bob = await startTestMessenger(dir.path, 'wire-b', relays)
    try {
      const conversation = await alice.conversationWith(bob.address)
      const raw = bob.node.next('envelope', { signal: AbortSignal.timeout(20_000) })
      await alice.sendText(conversation.id, 'MARKER-on-the-wire')
      const { envelope } = await raw
      const bytes = Buffer.from(envelope.payload)
      expect(bytes.includes(Buffer.from('MARKER'))).toBe(false)
      expect(bytes.includes(Buffer.from(alice.node.accountKey))).toBe(false)
      expect(bytes.includes(Buffer.from(alice.node.deviceKey))).toBe(false)
      expect(bytes.includes(Buffer.from(alice.address))).toBe(false)
      // padded: a 1-byte and a 200-byte text give envelopes of the same size
      const one = bob.node.next('envelope', { signal: AbortSignal.timeout(20_000) })
      await alice.sendText(conversation.id, 'x')
      const two = bob.node.next('envelope', { signal: AbortSignal.timeout(20_000), filter: (r) => r.envelope.payload.length !== 0 })
      await alice.sendText(conversation.id, 'y'.repeat(150))
      expect((await one).envelope.payload.length).toBe((await two).envelope.payload.length)
    } finally {
      await alice.stop()
      await bob.stop()
    }
  })

  it('a device that comes back after its inactivity period wipes itself', async () => {
    const home = join(dir.path, 'sleepy')
    const first = await startTestMessenger(dir.path, 'sleepy', [relay.multiaddrs[0].toString()])
    await first.setInactivityPeriod(30)
    await first.stop()
    const node = await openHomeNode({ home, passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN })
    const later = await createMessenger({ node, store: node.store, relays: [relay.multiaddrs[0].toString()], now: () => Date.now() + 31 * 24 * 3600 * 1000 })
    const wiped = later.next('wiped', { signal: AbortSignal.timeout(10_000) })
    await expect(later.start()).rejects.toBeInstanceOf(AccountExpiredError)
    expect((await wiped).reason).toBe('inactivity')
    expect(await exists(join(home, 'store'))).toBe(false)
  })

  it('a device inside its period starts normally', async () => {
    const first = await startTestMessenger(dir.path, 'awake', [relay.multiaddrs[0].toString()])
    await first.setInactivityPeriod(30)
    await first.stop()
    const node = await openHomeNode({ home: join(dir.path, 'awake'), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN })
    const later = await createMessenger({ node, store: node.store, relays: [relay.multiaddrs[0].toString()], now: () => Date.now() + 29 * 24 * 3600 * 1000 })
    await later.start()
    await later.stop()
    await node.stop()
  })

  it('delete account: tombstone in the DHT, mailbox purged at the relay, device wiped', async () => {
    const relays = [relay.multiaddrs[0].toString()]
    const carol = await startTestMessenger(dir.path, 'carol', relays)
    const dave = await startTestMessenger(dir.path, 'dave', relays)
    try {
      expect(await relayMailboxes(relay)).toContain(Buffer.from(carol.node.deviceKey).toString('hex'))
      const carolAddress = carol.address
      const wiped = nextEvent(carol, 'wiped')
      await carol.deleteAccount()
      expect((await wiped).reason).toBe('deleted')
      expect(await exists(join(dir.path, 'carol', 'store'))).toBe(false)
      await waitFor(async () => {
        const record = await dave.node.lookupAccount(carolAddress, { fresh: true, signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
        return record?.body.deleted === true
      }, 20_000, 'tombstone visible')
      expect(await relayMailboxes(relay)).not.toContain(Buffer.from(carol.node.deviceKey).toString('hex'))
    } finally {
      await dave.stop()
    }
  })
})

/** The relay's mailbox ids (as its store names them). */
async function relayMailboxes (relay: Relay): Promise<string[]> {
  const ids: string[] = []
  for await (const [mailbox] of relay.store.owners()) ids.push(String(mailbox))
  return ids
}

describe('contacts honour a tombstone', () => {
  it('drops the contact and refuses to send to a deleted account', async () => {
    const dir = await tempDir('parley-tomb-')
    const relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    const erin = await startTestMessenger(dir.path, 'erin', relays)
    const frank = await startTestMessenger(dir.path, 'frank', relays)
    try {
      await frank.addContact(erin.address, { name: 'Erin' })
      const chat = await frank.conversationWith(erin.address)
      await frank.sendText(chat.id, 'hello before')
      const erinAddress = erin.address
      await erin.deleteAccount()
      frank.node.directory.invalidate(decodeAddress(erinAddress)) // frank's cache would otherwise answer for 5 minutes
      const removed = nextEvent(frank, 'contact-removed', (d) => d.address === erinAddress)
      // a send is stored and shown at once (#17); the outbox finds the tombstone and fails it, with the reason
      const failed = nextEvent(frank, 'delivery', (d) => d.state === 'failed')
      const after = await frank.sendText(chat.id, 'hello after')
      expect(await failed).toMatchObject({ messageId: after.id, reason: 'ERR_ACCOUNT_DELETED' })
      await removed
      // from then on the tombstone is known here: a new send is refused before anything is stored
      await expect(frank.sendText(chat.id, 'hello again')).rejects.toMatchObject({ code: 'ERR_ACCOUNT_DELETED' })
      expect((await frank.messages(chat.id)).items.some((m) => m.text === 'hello again')).toBe(false)
      expect((await frank.listContacts()).some((c) => c.address === erinAddress)).toBe(false)
    } finally {
      await frank.stop()
      await relay.stop()
      await dir.cleanup()
    }
  })
})
