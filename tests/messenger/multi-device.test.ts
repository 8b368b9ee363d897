import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LINK_PROTOCOL, decodeLinkCode } from '../../src/device/device-link.js'
import { FrameReader, encodeFrame } from '../../src/net/stream/frame-reader.js'
import { DeviceEntry } from '../../src/wire/parley.js'
import { LinkRequest, LinkResponse } from '../../src/wire/link.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'
import { confirmNextLink, nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

describe('one account on two devices', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let phone: Messenger
  let laptop: Messenger
  let bob: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-devices-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    phone = await startTestMessenger(dir.path, 'phone', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays)
    const code = await phone.createDeviceLink()
    expect(decodeLinkCode(code).address).toBe(phone.address)
    void confirmNextLink(phone)
    laptop = await openHomeMessenger({
      home: join(dir.path, 'laptop'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code,
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }
    })
    await laptop.start()
    // bob's cached copy of the record predates the laptop
    bob.node.directory.invalidate(phone.node.accountKey)
  }, 90_000)

  afterAll(async () => {
    await phone?.stop()
    await laptop?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('the linked device shares the address and both are listed in the record', async () => {
    expect(laptop.address).toBe(phone.address)
    expect((await phone.devices()).length).toBe(2)
    expect((await laptop.devices()).filter((d) => d.thisDevice)).toHaveLength(1)
    await expect(phone.createDeviceLink().then(async (code) => openHomeMessenger({
      home: join(dir.path, 'intruder'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')), listen: LOOPBACK_LISTEN, allowPrivateAddresses: true
    }))).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_(INVALID_LINK_CODE|LINK_REFUSED|LINK_UNREACHABLE|LINK_FAILED)$/) })
  })

  it('the link protocol refuses garbage and a wrong MAC with typed codes, and keeps serving', async () => {
    await phone.createDeviceLink()
    const ask = async (frame: Uint8Array): Promise<string> => {
      const stream = await bob.node.libp2p.dialProtocol(phone.node.multiaddrs[0], LINK_PROTOCOL, { signal: AbortSignal.timeout(5000) })
      stream.send(encodeFrame(frame))
      const reply = await new FrameReader(stream, { maxFrameBytes: 4096 }).next({ signal: AbortSignal.timeout(5000) })
      return LinkResponse.decode(reply!).code
    }
    expect(await ask(new Uint8Array([0xff, 0xfe, 0x01, 0x02]))).not.toBe('')
    const entry = DeviceEntry.encode(phone.node.deviceEntry())
    expect(await ask(LinkRequest.encode({ deviceEntry: entry, mac: new Uint8Array(32) }))).toBe('ERR_LINK_REFUSED')
    // still serving: the phone answers its contacts
    const chat = await bob.conversationWith(phone.address)
    const got = nextEvent(phone, 'message', (d) => d.message.text === 'still there?')
    await bob.sendText(chat.id, 'still there?')
    await got
  })

  it('a message to the account reaches both devices', async () => {
    const chat = await bob.conversationWith(phone.address)
    const onPhone = nextEvent(phone, 'message', (d) => d.message.text === 'to both')
    const onLaptop = nextEvent(laptop, 'message', (d) => d.message.text === 'to both')
    await bob.sendText(chat.id, 'to both')
    await Promise.all([onPhone, onLaptop])
  })

  it('what one device sends appears on the other as sent (sync), and the other can send too', async () => {
    const chat = await phone.conversationWith(bob.address)
    const synced = nextEvent(laptop, 'message', (d) => d.message.text === 'from the phone' && d.message.direction === 'out')
    const atBob = nextEvent(bob, 'message', (d) => d.message.text === 'from the phone')
    await phone.sendText(chat.id, 'from the phone')
    await Promise.all([synced, atBob])
    const laptopChat = await laptop.conversationWith(bob.address)
    const fromLaptop = nextEvent(bob, 'message', (d) => d.message.text === 'from the laptop')
    await laptop.sendText(laptopChat.id, 'from the laptop')
    expect((await fromLaptop).message.sender).toBe(phone.address)
  })

  it('a secret chat stays on the one device it was started on', async () => {
    const incoming = nextEvent(bob, 'conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming')
    const secret = await phone.startSecretChat(bob.address)
    const bobSecret = (await incoming).conversation
    const active = nextEvent(phone, 'conversation-updated', (d) => d.conversation.id === secret.id && d.conversation.secretState === 'active')
    await bob.acceptSecretChat(bobSecret.id)
    await active
    const atBob = nextEvent(bob, 'message', (d) => d.message.text === 'only here')
    await phone.sendText(secret.id, 'only here')
    await atBob
    const reply = nextEvent(phone, 'message', (d) => d.message.text === 'secret reply')
    await bob.sendText(bobSecret.id, 'secret reply')
    await reply
    // a normal message afterwards proves the laptop is receiving, yet the secret chat never reached it
    const marker = nextEvent(laptop, 'message', (d) => d.message.text === 'normal again')
    await bob.sendText((await bob.conversationWith(phone.address)).id, 'normal again')
    await marker
    await expect(laptop.getConversation(secret.id)).rejects.toMatchObject({ code: 'ERR_CONVERSATION_NOT_FOUND' })
  })
})
