import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import { openHomeMessenger } from '../../../src/node/open-home-messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../../helpers/network.js'
import { confirmNextLink, nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'

describe('groups on an account with two devices', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let phone: Messenger
  let laptop: Messenger
  let bob: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-group-devices-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    phone = await startTestMessenger(dir.path, 'phone', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays)
    const code = await phone.createDeviceLink()
    // the phone's user confirms the link (the short authentication string, /parley/link/2.0.0)
    void confirmNextLink(phone)
    laptop = await openHomeMessenger({
      home: join(dir.path, 'laptop'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code,
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }
    })
    await laptop.start()
    bob.node.directory.invalidate(phone.node.accountKey)
  }, 120_000)

  afterAll(async () => {
    for (const m of [phone, laptop, bob]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('the group, my messages and the others\' reach both of my devices; the other device can send too', async () => {
    const onLaptop = nextEvent(laptop, 'group-updated', (d) => d.group.name === 'Family', 60_000)
    const onBob = nextEvent(bob, 'group-updated', (d) => d.group.name === 'Family', 60_000)
    const group = await phone.createGroup('Family', [bob.address])
    expect((await onLaptop).group.id).toBe(group.id)
    await onBob
    // my own message is synced to my other device (as sent by me)
    const synced = nextEvent(laptop, 'message', (d) => d.message.text === 'from the phone', 60_000)
    const bobGets = nextEvent(bob, 'message', (d) => d.message.text === 'from the phone', 60_000)
    await phone.sendText(group.id, 'from the phone')
    expect((await synced).message.direction).toBe('out')
    await bobGets
    // bob's message reaches both my devices
    const both = [phone, laptop].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'from bob', 60_000))
    await bob.sendText(group.id, 'from bob')
    for (const { message } of await Promise.all(both)) expect(message.sender).toBe(bob.address)
    // the laptop sends with a chain of its own
    const fromLaptop = [phone, bob].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'from the laptop', 60_000))
    await laptop.sendText(group.id, 'from the laptop')
    const [onPhone] = await Promise.all(fromLaptop)
    expect(onPhone.message.direction).toBe('out')
  }, 180_000)
})
