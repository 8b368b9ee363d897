import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { encodeAddress } from '../../src/identity/address.js'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { decodeEnvelope, type Envelope } from '../../src/net/envelope-codec.js'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger, type NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { forgedEnvelopeFromUnknownAccount } from './forged-envelope.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

// Scaled down: the time limit each mailbox sync step had (30 s, once for subscribe + the whole
// drain + prekeys) is 2 s here, and a lookup of a sender nobody can find takes 250 ms on top of
// the real DHT lookup (a stalling DHT node; 15 s in the field).
vi.mock('../../src/messenger/constants.js', async (importOriginal) => ({
  ...await importOriginal<typeof import('../../src/messenger/constants.js')>(),
  MAILBOX_CONNECT_TIMEOUT_MS: 2000
}))
const SLOW_NOT_FOUND_MS = 400
/** Forged envelopes, each naming a sender of its own. */
const DISTINCT = 12
/** Forged envelopes naming one and the same sender. */
const SAME_SENDER = 6

describe('many forged envelopes whose sender lookups are slow (review of issue #15, finding 3)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: Messenger
  let bob: Messenger | undefined
  let depositor: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-slow-poison-')
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

  it('the drain outlives them: honest mail delivered, the forged ones looked up once per sender and drain, quarantined, kept and acked', async () => {
    const chat = await alice.conversationWith(bob!.address)
    const victim = (await alice.node.lookupAccount(bob!.address)).body.devices[0]
    const heldIds = async (): Promise<string[]> => (await relay.store.fetch(toHex(victim.deviceKey), '', 500, 1 << 26, Date.now())).envelopes.map((e) => toHex(decodeEnvelope(e).id))
    const held = async (): Promise<number> => (await heldIds()).length
    await bob!.stop()
    bob = undefined

    // the attack, from bob's public record alone: forged envelopes first, honest mail behind them
    const shared = { accountKey: randomBytes(32) }
    const forged: Envelope[] = []
    for (let i = 0; i < DISTINCT; i++) forged.push(await forgedEnvelopeFromUnknownAccount(victim))
    for (let i = 0; i < SAME_SENDER; i++) forged.push(await forgedEnvelopeFromUnknownAccount(victim, shared))
    for (const envelope of forged) await depositor.deposit(relays[0], envelope)
    const first = await alice.sendText(chat.id, 'behind the forged ones 1')
    const second = await alice.sendText(chat.id, 'behind the forged ones 2')
    const stateOf = async (id: string): Promise<string | undefined> => (await alice.messages(chat.id)).items.find((m) => m.id === id)?.status
    await waitFor(async () => await stateOf(first.id) === 'stored' && await stateOf(second.id) === 'stored', 30_000, 'both texts stored at the relay')
    expect(await held()).toBe(DISTINCT + SAME_SENDER + 2)

    // bob comes back; every lookup of a sender nobody can find stalls first
    const node = await openHomeNode({ home: join(dir.path, 'bob'), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
    const lookups = new Map<string, number>()
    const lookup = node.lookupAccount.bind(node)
    node.lookupAccount = async (address, options) => {
      lookups.set(address, (lookups.get(address) ?? 0) + 1)
      try {
        return await lookup(address, options)
      } catch (err) {
        await new Promise((resolve) => setTimeout(resolve, SLOW_NOT_FOUND_MS))
        throw err
      }
    }
    const forgedLookups = (): number => [...lookups].filter(([address]) => address !== alice.address).reduce((n, [, count]) => n + count, 0)
    bob = new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }, drainIntervalMs: 500, receiveRetry: { attemptSpacingMs: 0 } })
    await bob.start()
    const bobChat = await bob.conversationWith(alice.address)
    await waitFor(async () => {
      const texts = (await bob!.messages(bobChat.id)).items.map((m) => m.text)
      return texts.includes('behind the forged ones 1') && texts.includes('behind the forged ones 2')
    }, 30_000, 'both texts delivered to bob')
    // acked in the drain that delivered them, although that drain takes longer than any one time limit
    const forgedIds = new Set(forged.map((e) => toHex(e.id)))
    await waitFor(async () => (await heldIds()).every((id) => forgedIds.has(id)), 1500, 'the honest texts acked at once')
    // two attempts each (an unknown sender's bound), then quarantined and acked: the mailbox empties
    await waitFor(async () => await held() === 0, 40_000, 'bob\'s mailbox empty at the relay')
    const quarantined = await bob.quarantined()
    expect(quarantined.map((e) => e.id).sort()).toEqual(forged.map((e) => toHex(e.id)).sort())
    expect(quarantined.every((e) => e.code === 'ERR_ACCOUNT_NOT_FOUND' && e.attempts === 2 && e.kept)).toBe(true)
    // one lookup per sender and drain: the shared sender's six envelopes cost two lookups, not twelve
    expect(lookups.get(encodeAddress(shared.accountKey))).toBe(2)
    expect(forgedLookups()).toBe(2 * (DISTINCT + 1))

    // the attacker deposits a quarantined envelope again: acked without a decrypt or a lookup
    await depositor.deposit(relays[0], forged[0])
    await waitFor(async () => await held() === 0, 10_000, 'the replayed envelope acked')
    expect(forgedLookups()).toBe(2 * (DISTINCT + 1))
    expect((await bob.status()).unreadable).toBe(DISTINCT + SAME_SENDER)
  }, 120_000)
})
