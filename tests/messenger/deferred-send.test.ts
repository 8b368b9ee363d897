import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMessenger, type NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { openHomeNode } from '../../src/node/home.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

describe('sending before the contact’s record can be found', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-deferred-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    alice = await startTestMessenger(dir.path, 'alice', [relay.multiaddrs[0].toString()])
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await bob?.node.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('queues the message and seals it once the record appears', async () => {
    // bob's account exists (alice got his address) but his device has never been online
    const node = await openHomeNode({ home: join(dir.path, 'bob'), passphrase: PASSPHRASE, create: true, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: [relay.multiaddrs[0].toString()] })
    bob = await createMessenger({ node, store: node.store, relays: [relay.multiaddrs[0].toString()], allowPrivateAddresses: true })
    const chat = await alice.conversationWith(bob.address)
    const queued = await alice.sendText(chat.id, 'written before bob was ever online')
    expect(queued.status).toBe('queued')
    expect((await alice.status()).outbox).toBe(1)

    const arrived = nextEvent(bob, 'message', (d) => d.message.text === 'written before bob was ever online', 30_000)
    await bob.start()
    await arrived
  }, 60_000)
})
