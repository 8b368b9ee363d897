import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { forgedEnvelopeFromUnknownAccount } from './forged-envelope.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

/** Phase one: bob retries the poison for longer than the test runs (one drain, at start). */
const PATIENT = { receiveRetry: { unknownSenderMaxAttempts: 100, attemptSpacingMs: 0 } }
/** Phase two: default bound for an unknown sender (2 attempts), drains every 300 ms. */
const QUICK = { drainIntervalMs: 300, receiveRetry: { attemptSpacingMs: 0 } }

describe('a forged envelope in the mailbox (issue #15, item 1)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: Messenger
  let bob: Messenger
  let depositor: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-poison-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice = await startTestMessenger(dir.path, 'alice', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays, PATIENT)
    depositor = new MailboxClient(alice.node.libp2p)
  }, 60_000)

  afterAll(async () => {
    await depositor?.stop()
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  let poison: Awaited<ReturnType<typeof forgedEnvelopeFromUnknownAccount>>
  let held: () => Promise<number>

  it('mail deposited after a forged envelope is delivered; the forged one stays at the relay while it is retried', async () => {
    const chat = await alice.conversationWith(bob.address)
    // only bob's public record is needed to build the poison
    const victim = (await alice.node.lookupAccount(bob.address)).body.devices[0]
    const mailbox = toHex(victim.deviceKey)
    held = async () => (await relay.store.fetch(mailbox, '', 100, 1 << 24, Date.now())).envelopes.length
    await bob.stop()

    poison = await forgedEnvelopeFromUnknownAccount(victim)
    await depositor.deposit(relays[0], poison)
    const first = await alice.sendText(chat.id, 'behind the poison 1')
    const second = await alice.sendText(chat.id, 'behind the poison 2')
    const stateOf = async (id: string): Promise<string | undefined> => (await alice.messages(chat.id)).items.find((m) => m.id === id)?.status
    await waitFor(async () => await stateOf(first.id) === 'stored' && await stateOf(second.id) === 'stored', 30_000, 'both texts stored at the relay')
    expect(await held()).toBe(3) // the poison first, then the two texts

    // bob comes back: his start-up drain meets the poison first
    bob = await startTestMessenger(dir.path, 'bob', relays, PATIENT)
    const bobChat = await bob.conversationWith(alice.address)
    await waitFor(async () => {
      const texts = (await bob.messages(bobChat.id)).items.map((m) => m.text)
      return texts.includes('behind the poison 1') && texts.includes('behind the poison 2')
    }, 20_000, 'both texts delivered to bob')
    await waitFor(async () => await held() === 1, 10_000, 'the texts acked at the relay')
    expect(await bob.quarantined()).toEqual([])
    expect((await bob.status()).unreadable).toBe(0)
  }, 90_000)

  it('the forged envelope is quarantined once retried, with its reason, and acked at the relay', async () => {
    await bob.stop()
    bob = await startTestMessenger(dir.path, 'bob', relays, QUICK)
    await waitFor(async () => (await bob.quarantined()).length === 1, 20_000, 'the poison quarantined')
    const [entry] = await bob.quarantined()
    expect(entry.id).toBe(toHex(poison.id))
    expect(entry.code).toBe('ERR_ACCOUNT_NOT_FOUND')
    // an unresolvable sender is permanent once retried: the attempt before the restart counted
    expect(entry.attempts).toBe(2)
    expect(entry.reason).not.toBe('')
    expect((await bob.status()).unreadable).toBe(1)
    // acked: bob's mailbox at the relay ends empty
    await waitFor(async () => await held() === 0, 10_000, 'bob\'s mailbox empty at the relay')

    // the quarantine is kept in bob's encrypted store: it survives a restart
    await bob.stop()
    bob = await startTestMessenger(dir.path, 'bob', relays, QUICK)
    expect((await bob.quarantined()).map((e) => e.id)).toEqual([toHex(poison.id)])

    // its sealed bytes are kept: a retry receives it again through the real receive path, where it
    // fails again (its sender still has no account) and stays quarantined with the new reason
    expect((await bob.quarantined())[0].kept).toBe(true)
    expect(await bob.retryQuarantined()).toEqual({ received: 0, failed: 1 })
    const [again] = await bob.quarantined()
    expect(again.id).toBe(toHex(poison.id))
    expect(again.code).toBe('ERR_ACCOUNT_NOT_FOUND')
  }, 60_000)
})
