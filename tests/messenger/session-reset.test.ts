import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

describe('a lost session heals instead of dropping messages', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-reset-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    alice = await startTestMessenger(dir.path, 'alice', [relay.multiaddrs[0].toString()])
    bob = await startTestMessenger(dir.path, 'bob', [relay.multiaddrs[0].toString()])
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('the receiver answers ERR_SESSION_RESET, the sender starts a new session and re-sends', async () => {
    const conversation = await alice.conversationWith(bob.address)
    const first = nextEvent(bob, 'message', (d) => d.message.text === 'before')
    await alice.sendText(conversation.id, 'before')
    const bobConversation = (await first).message.conversationId
    // a session exchanged both ways, then bob loses his state (a restored backup, a bug…)
    const back = nextEvent(alice, 'message', (d) => d.message.text === 'ack')
    await bob.sendText(bobConversation, 'ack')
    await back
    await bob.store.sessions.delete(toHex(bob.node.deviceKey), toHex(alice.node.deviceKey))

    const after = nextEvent(bob, 'message', (d) => d.message.text === 'after the loss', 30_000)
    await alice.sendText(conversation.id, 'after the loss')
    expect((await after).message.sender).toBe(alice.address)
    // and the conversation goes on normally both ways
    const reply = nextEvent(alice, 'message', (d) => d.message.text === 'all good')
    await bob.sendText(bobConversation, 'all good')
    await reply
    await waitFor(async () => (await bob.messages(bobConversation)).items.filter((m) => m.text === 'after the loss').length === 1, 5000, 'exactly once')
  })

  it('a message waiting on a relay for a device that lost its session: the device starts a new session and the sender re-sends', async () => {
    const conversation = await alice.conversationWith(bob.address)
    const bobConversation = (await bob.conversationWith(alice.address)).id
    // the session works both ways first
    const first = nextEvent(bob, 'message', (d) => d.message.text === 'relay: before')
    await alice.sendText(conversation.id, 'relay: before')
    await first
    const back = nextEvent(alice, 'message', (d) => d.message.text === 'relay: ack')
    await bob.sendText(bobConversation, 'relay: ack')
    await back
    // bob loses his state and goes offline; alice's message waits at the relay, sealed on the old session
    await bob.store.sessions.delete(toHex(bob.node.deviceKey), toHex(alice.node.deviceKey))
    await bob.stop()
    const stored = nextEvent(alice, 'delivery', (d) => d.state === 'stored', 30_000)
    const sent = await alice.sendText(conversation.id, 'relay: while away')
    expect((await stored).messageId).toBe(sent.id)

    // bob comes back, fetches it, cannot open it, asks alice for a new session; alice re-sends on it
    bob = await startTestMessenger(dir.path, 'bob', [relay.multiaddrs[0].toString()])
    await waitFor(async () => (await bob.messages(bobConversation)).items.some((m) => m.text === 'relay: while away'), 30_000, 're-sent message')
    await waitFor(async () => (await alice.messages(conversation.id)).items.find((m) => m.id === sent.id)?.status === 'delivered', 15_000, 'delivered to alice')
    const reply = nextEvent(alice, 'message', (d) => d.message.text === 'relay: all good')
    await bob.sendText(bobConversation, 'relay: all good')
    await reply
    expect((await bob.messages(bobConversation)).items.filter((m) => m.text === 'relay: while away')).toHaveLength(1)
  })
})
