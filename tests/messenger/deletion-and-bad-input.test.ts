import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex } from '../../src/bytes.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { Content } from '../../src/wire/content.js'
import { filesContaining } from '../helpers/files.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

describe('deletion and bad input', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: Messenger
  let bob: Messenger
  let aliceChat: string
  let bobChat: string

  beforeAll(async () => {
    dir = await tempDir('parley-del-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice = await startTestMessenger(dir.path, 'alice', relays)
    bob = await startTestMessenger(dir.path, 'bob', relays)
    aliceChat = (await alice.conversationWith(bob.address)).id
    const first = nextEvent(bob, 'message')
    await alice.sendText(aliceChat, 'hello')
    bobChat = (await first).message.conversationId
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('deleted and expired texts are not recoverable from either store’s files', async () => {
    const sent = await alice.sendText(aliceChat, 'SECRET-PASSAGE-1')
    await waitFor(async () => (await bob.messages(bobChat)).items.some((m) => m.id === sent.id), 10_000, 'delivery')
    const gone = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(sent.id))
    await alice.deleteMessages(aliceChat, [sent.id], { forEveryone: true })
    await gone
    await expect(bob.store.messages.get(sent.id)).resolves.toBeUndefined()
    await expect(alice.store.messages.get(sent.id)).resolves.toBeUndefined()
    expect(await filesContaining(join(dir.path, 'alice'), 'SECRET-PASSAGE')).toEqual([])
    expect(await filesContaining(join(dir.path, 'bob'), 'SECRET-PASSAGE')).toEqual([])
  })

  it('a device offline at expiry deletes the message when it starts again', async () => {
    const sent = await alice.sendText(aliceChat, 'short-lived', { ttlMs: 4000 })
    await waitFor(async () => (await bob.messages(bobChat)).items.some((m) => m.id === sent.id), 10_000, 'delivery')
    const bobMessage = await bob.store.messages.get(sent.id)
    expect(bobMessage?.expiresAt).toBeGreaterThan(Date.now())
    await bob.stop() // offline before the expiry: nothing deleted it on bob's side yet
    await waitFor(async () => (await alice.messages(aliceChat)).items.every((m) => m.id !== sent.id), 10_000, 'expired at alice')
    bob = await startTestMessenger(dir.path, 'bob', relays)
    expect((await bob.messages(bobChat)).items.some((m) => m.id === sent.id)).toBe(false)
    await expect(bob.store.messages.get(sent.id)).resolves.toBeUndefined()
  })

  it('a forged delete of someone else’s normal-chat message changes nothing', async () => {
    const mine = nextEvent(bob, 'message', (d) => d.message.text === 'keep me')
    const kept = await alice.sendText(aliceChat, 'keep me')
    await mine
    // bob's client is modified: it sends a DELETE for alice's message in a normal chat
    const conversation = await bob['requireConversation'](bobChat)
    await bob['dispatch'](conversation, bob['baseContent'](conversation, Content.Kind.DELETE, { ids: [fromHex(kept.id)] }))
    // and an EDIT of alice's message
    await bob['dispatch'](conversation, bob['baseContent'](conversation, Content.Kind.EDIT, { targetId: fromHex(kept.id), text: 'forged' }))
    // a later message proves both forged contents arrived and were processed
    const marker = nextEvent(alice, 'message', (d) => d.message.text === 'after the forgeries')
    await bob.sendText(bobChat, 'after the forgeries')
    await marker
    const still = (await alice.messages(aliceChat)).items.find((m) => m.id === kept.id)
    expect(still?.text).toBe('keep me')
    expect(still?.editHistory).toBeUndefined()
  })

  it('refuses over-long texts and out-of-range timers with typed errors; a received out-of-range timer is clamped', async () => {
    await expect(alice.sendText(aliceChat, 'x'.repeat(16_001))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(alice.sendText(aliceChat, '')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(alice.sendText(aliceChat, 'x', { ttlMs: 5 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(alice.setDisappearingTimer(aliceChat, 29 * 24 * 3600 * 1000)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    const conversation = await bob['requireConversation'](bobChat)
    const updated = nextEvent(alice, 'conversation-updated', (d) => d.conversation.id === aliceChat)
    await bob['dispatch'](conversation, bob['baseContent'](conversation, Content.Kind.TIMER, { ttlMs: BigInt(365 * 24 * 3600 * 1000) }))
    expect((await updated).conversation.disappearingTimerMs).toBe(28 * 24 * 3600 * 1000)
    await alice.setDisappearingTimer(aliceChat, null)
  })
})
