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

  it('either participant deletes any message of the chat, and clears it, on both devices', async () => {
    const fromAlice = await alice.sendText(aliceChat, 'from alice')
    const arrived = nextEvent(alice, 'message', (d) => d.message.text === 'from bob')
    const fromBob = await bob.sendText(bobChat, 'from bob')
    await arrived
    await waitFor(async () => (await bob.store.messages.get(fromAlice.id)) != null, 10_000, 'delivery to bob')
    // bob deletes alice's message for everyone: gone on alice's device too
    const deletedAtAlice = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(fromAlice.id))
    await bob.deleteMessages(bobChat, [fromAlice.id], { forEveryone: true })
    await deletedAtAlice
    await expect(alice.store.messages.get(fromAlice.id)).resolves.toBeUndefined()
    await expect(bob.store.messages.get(fromAlice.id)).resolves.toBeUndefined()
    // alice clears the conversation for everyone: bob's own message goes on bob's device
    const again = await alice.sendText(aliceChat, 'and another')
    await waitFor(async () => (await bob.store.messages.get(again.id)) != null, 10_000, 'delivery to bob')
    const clearedAtBob = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(fromBob.id) && d.ids.includes(again.id))
    await alice.clearConversation(aliceChat, { forEveryone: true })
    await clearedAtBob
    for (const id of [fromBob.id, again.id]) {
      await expect(bob.store.messages.get(id)).resolves.toBeUndefined()
      await expect(alice.store.messages.get(id)).resolves.toBeUndefined()
    }
  })

  it('a third party (not in the conversation) deletes nothing of it, by ids or by clearing', async () => {
    const carol = await startTestMessenger(dir.path, 'carol', relays)
    try {
      const kept = await alice.sendText(aliceChat, 'between alice and bob')
      await waitFor(async () => (await bob.store.messages.get(kept.id)) != null, 10_000, 'delivery to bob')
      // carol's client is modified: it names alice↔bob messages in a DELETE to alice and to bob
      const carolChat = await carol.conversationWith(alice.address)
      const carolToBob = await carol.conversationWith(bob.address)
      const own = nextEvent(alice, 'message', (d) => d.message.text === 'carol here')
      const ownAtBob = nextEvent(bob, 'message', (d) => d.message.text === 'carol here too')
      const carolText = await carol.sendText(carolChat.id, 'carol here')
      const carolTextToBob = await carol.sendText(carolToBob.id, 'carol here too')
      await own
      await ownAtBob
      const forgeDelete = async (conversation: string, fields: { ids?: Uint8Array[], flag?: boolean }): Promise<void> => {
        const c = await carol['requireConversation'](conversation)
        await carol['dispatch'](c, carol['baseContent'](c, Content.Kind.DELETE, fields))
      }
      // the DELETE also names carol's own message: its deletion shows the DELETE was applied
      const appliedAtAlice = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(carolText.id))
      const appliedAtBob = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(carolTextToBob.id))
      await forgeDelete(carolChat.id, { ids: [fromHex(kept.id), fromHex(carolText.id)] })
      await forgeDelete(carolToBob.id, { ids: [fromHex(kept.id), fromHex(carolTextToBob.id)] })
      expect((await appliedAtAlice).ids).toEqual([carolText.id])
      expect((await appliedAtBob).ids).toEqual([carolTextToBob.id])
      // and a clear for everyone from carol clears carol's chats only
      const marker = await carol.sendText(carolChat.id, 'to be cleared')
      await waitFor(async () => (await alice.store.messages.get(marker.id)) != null, 10_000, 'delivery to alice')
      const cleared = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(marker.id))
      await forgeDelete(carolChat.id, { flag: true })
      expect((await cleared).ids).toEqual([marker.id])
      expect((await alice.store.messages.get(kept.id))?.conversationId).toBe(aliceChat)
      expect((await bob.store.messages.get(kept.id))?.conversationId).toBe(bobChat)
    } finally {
      await carol.stop()
    }
  })

  it('a forged edit of someone else’s message changes nothing', async () => {
    const mine = nextEvent(bob, 'message', (d) => d.message.text === 'keep me')
    const kept = await alice.sendText(aliceChat, 'keep me')
    await mine
    // bob's client is modified: it sends an EDIT of alice's message
    const conversation = await bob['requireConversation'](bobChat)
    await bob['dispatch'](conversation, bob['baseContent'](conversation, Content.Kind.EDIT, { targetId: fromHex(kept.id), text: 'forged' }))
    // a later message proves the forged content arrived and was processed
    const marker = nextEvent(alice, 'message', (d) => d.message.text === 'after the forgery')
    await bob.sendText(bobChat, 'after the forgery')
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
