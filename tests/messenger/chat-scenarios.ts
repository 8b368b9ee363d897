/**
 * The chat scenarios between two started messengers, alice and bob, shared by the Node run
 * (LevelDB stores, TCP; chats.test.ts) and the browser run (IndexedDB stores and the browser
 * transports, in headless Chromium; chats.browser.test.ts). Browser-safe: no Node built-ins.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NotAllowedError, NotForwardableError } from '../../src/messenger/errors.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import type { ConversationView } from '../../src/messenger/types.js'
import { Content } from '../../src/wire/content.js'
import { waitFor } from '../helpers/wait.js'
import { nextEvent } from './next-event.js'

export interface ChatPair {
  alice: Messenger
  bob: Messenger
  /** Stops both messengers and whatever `start` started for them. */
  stop: () => Promise<void>
}

/** Registers the scenarios in the enclosing `describe`; `start` gives two started messengers. */
export function chatScenarios (start: () => Promise<ChatPair>): void {
  let pair: ChatPair | undefined
  let alice: Messenger
  let bob: Messenger
  let aliceConv: ConversationView
  let bobConv: ConversationView

  beforeAll(async () => {
    pair = await start()
    alice = pair.alice
    bob = pair.bob
    const contact = await alice.addContact(bob.inviteLink(), { name: 'Bob' })
    expect(contact.name).toBe('Bob')
    aliceConv = await alice.conversationWith(bob.address)
    const first = nextEvent(bob, 'message')
    await alice.sendText(aliceConv.id, 'hi')
    bobConv = await bob.getConversation((await first).message.conversationId)
  }, 60_000)

  afterAll(async () => {
    await pair?.stop()
  })

  it('lists contacts, renames, and shows the same safety number on both sides', async () => {
    expect((await alice.listContacts()).map((c) => c.address)).toContain(bob.address)
    expect((await alice.renameContact(bob.address, 'Bobby')).name).toBe('Bobby')
    const a = await alice.safetyNumber(bob.address)
    const b = await bob.safetyNumber(alice.address)
    expect(a.digits).toBe(b.digits)
    expect(a.digits.replace(/\s/g, '')).toMatch(/^\d{60}$/)
    expect((await alice.markVerified(bob.address)).verification).toBe('verified')
  })

  it('edits keep history; reactions arrive; replies quote an id', async () => {
    const sent = await alice.sendText(aliceConv.id, 'first draft')
    await waitFor(async () => (await bob.messages(bobConv.id)).items.some((m) => m.id === sent.id), 10_000, 'delivery')
    const edited = nextEvent(bob, 'message-updated', (d) => d.message.id === sent.id)
    await alice.edit(aliceConv.id, sent.id, 'final text')
    const { message } = await edited
    expect(message.text).toBe('final text')
    expect(message.editHistory).toEqual(['first draft'])
    await expect(bob.edit(bobConv.id, sent.id, 'hijack')).rejects.toBeInstanceOf(NotAllowedError)

    const reacted = nextEvent(alice, 'message-updated', (d) => d.message.id === sent.id && Object.keys(d.message.reactions).length > 0)
    await bob.react(bobConv.id, sent.id, '👍')
    expect((await reacted).message.reactions['👍']).toEqual([bob.address])

    const reply = nextEvent(alice, 'message', (d) => d.message.direction === 'in' && d.message.replyTo === sent.id)
    await bob.sendText(bobConv.id, 'a reply', { replyTo: sent.id })
    expect((await reply).message.text).toBe('a reply')
  })

  it('delete for everyone: either side deletes any message of the chat, on both sides', async () => {
    const sent = await alice.sendText(aliceConv.id, 'regret')
    await waitFor(async () => (await bob.messages(bobConv.id)).items.some((m) => m.id === sent.id), 10_000, 'delivery')
    const gone = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(sent.id))
    await alice.deleteMessages(aliceConv.id, [sent.id], { forEveryone: true })
    await gone
    expect((await bob.messages(bobConv.id)).items.some((m) => m.id === sent.id)).toBe(false)
    expect((await alice.messages(aliceConv.id)).items.some((m) => m.id === sent.id)).toBe(false)

    const theirs = await alice.sendText(aliceConv.id, 'bob may delete this too')
    await waitFor(async () => (await bob.messages(bobConv.id)).items.some((m) => m.id === theirs.id), 10_000, 'delivery')
    const goneAtAlice = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(theirs.id))
    await bob.deleteMessages(bobConv.id, [theirs.id], { forEveryone: true })
    await goneAtAlice
    expect((await alice.messages(aliceConv.id)).items.some((m) => m.id === theirs.id)).toBe(false)
    expect((await bob.messages(bobConv.id)).items.some((m) => m.id === theirs.id)).toBe(false)
  })

  it('read receipts reach the sender, and can be turned off', async () => {
    const sent = await alice.sendText(aliceConv.id, 'read me')
    await waitFor(async () => (await bob.messages(bobConv.id)).items.some((m) => m.id === sent.id), 10_000, 'delivery')
    expect((await bob.getConversation(bobConv.id)).unreadCount).toBeGreaterThan(0)
    const read = nextEvent(alice, 'delivery', (d) => d.messageId === sent.id && d.state === 'read')
    await bob.markRead(bobConv.id)
    await read
    expect((await bob.getConversation(bobConv.id)).unreadCount).toBe(0)

    await bob.setReadReceipts(false)
    const quiet = await alice.sendText(aliceConv.id, 'unread receipt')
    await waitFor(async () => (await alice.messages(aliceConv.id)).items.find((m) => m.id === quiet.id)?.status === 'delivered', 10_000, 'delivered')
    await bob.markRead(bobConv.id)
    // a later message round-trips, so a read receipt sent before it would have arrived already
    const marker = nextEvent(alice, 'message', (d) => d.message.text === 'after')
    await bob.sendText(bobConv.id, 'after')
    await marker
    expect((await alice.messages(aliceConv.id)).items.find((m) => m.id === quiet.id)?.status).toBe('delivered')
    await bob.setReadReceipts(true)
  })

  it('typing indicators are delivered as events and never stored', async () => {
    const typing = nextEvent(bob, 'typing', (d) => d.typing)
    const before = (await bob.messages(bobConv.id)).items.length
    await alice.setTyping(aliceConv.id, true)
    expect((await typing).from).toBe(alice.address)
    expect((await bob.messages(bobConv.id)).items.length).toBe(before)
  })

  it('disappearing messages vanish on both sides at expiry', async () => {
    const timer = nextEvent(bob, 'conversation-updated', (d) => d.conversation.disappearingTimerMs === 1500)
    await alice.setDisappearingTimer(aliceConv.id, 1500)
    await timer
    const sent = await alice.sendText(aliceConv.id, 'self-destructing')
    expect(sent.expiresAt).not.toBeNull()
    const goneBob = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(sent.id), 15_000)
    const goneAlice = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(sent.id), 15_000)
    await Promise.all([goneBob, goneAlice])
    expect((await bob.messages(bobConv.id)).items.some((m) => m.id === sent.id)).toBe(false)
    expect((await alice.messages(aliceConv.id)).items.some((m) => m.id === sent.id)).toBe(false)
    await alice.setDisappearingTimer(aliceConv.id, null)
    await expect(alice.setDisappearingTimer(aliceConv.id, 10)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })

  it('an unknown content type is kept and shown as unsupported', async () => {
    const conversation = await alice['requireConversation'](aliceConv.id)
    const content = alice['baseContent'](conversation, Content.Kind.UNKNOWN)
    const arrived = nextEvent(bob, 'message', (d) => d.message.kind === 'unsupported')
    await alice['dispatch'](conversation, content)
    expect((await arrived).message.conversationId).toBe(bobConv.id)
  })

  it('a key change of a verified contact raises an event and unverifies it', async () => {
    await alice.markVerified(bob.address)
    const contact = await alice.store.contacts.get(bob.address)
    await alice.store.contacts.put({ ...contact!, identityKey: new Uint8Array(32).fill(9) })
    await alice.store.accountRecords.delete(bob.address)
    const changed = nextEvent(alice, 'contact-key-changed', (d) => d.address === bob.address)
    await alice['resolveAccount'](bob.address)
    expect((await changed).wasVerified).toBe(true)
    expect((await alice.listContacts()).find((c) => c.address === bob.address)?.verification).toBe('changed')
  })

  it('blocked senders are dropped', async () => {
    await bob.blockContact(alice.address, true)
    const before = (await bob.messages(bobConv.id)).items.length
    const sent = await alice.sendText(aliceConv.id, 'you blocked me')
    await waitFor(async () => (await alice.messages(aliceConv.id)).items.find((m) => m.id === sent.id)?.status !== 'queued', 10_000, 'attempt')
    expect((await bob.messages(bobConv.id)).items.length).toBe(before)
    await bob.blockContact(alice.address, false)
  })

  it('secret chats: start/accept, no forwarding, screenshot notice, delete any message, close wipes both sides', async () => {
    const incoming = nextEvent(bob, 'conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming')
    const secret = await alice.startSecretChat(bob.address)
    expect(secret.secretState).toBe('pending')
    await expect(alice.sendText(secret.id, 'too early')).rejects.toBeInstanceOf(NotAllowedError)
    const bobSecret = (await incoming).conversation
    expect(bobSecret.id).toBe(secret.id)
    const active = nextEvent(alice, 'conversation-updated', (d) => d.conversation.id === secret.id && d.conversation.secretState === 'active')
    await bob.acceptSecretChat(bobSecret.id)
    await active

    const got = nextEvent(bob, 'message', (d) => d.message.conversationId === secret.id && d.message.direction === 'in')
    const sent = await alice.sendText(secret.id, 'MARKER-secret')
    const received = (await got).message
    expect(received.forwardable).toBe(false)
    await expect(bob.forward(received.id, secret.id, bobConv.id)).rejects.toBeInstanceOf(NotForwardableError)
    await expect(alice.forward(sent.id, secret.id, aliceConv.id)).rejects.toBeInstanceOf(NotForwardableError)
    // the secret chat is not the normal conversation
    expect((await alice.messages(aliceConv.id)).items.some((m) => m.id === sent.id)).toBe(false)

    const shot = nextEvent(alice, 'screenshot', (d) => d.conversationId === secret.id)
    await bob.reportScreenshot(bobSecret.id)
    expect((await shot).from).toBe(bob.address)

    // either participant may delete any message for both
    const deleted = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(sent.id))
    await bob.deleteMessages(bobSecret.id, [received.id], { forEveryone: true })
    await deleted

    const closed = nextEvent(bob, 'conversation-updated', (d) => d.conversation.id === secret.id && d.conversation.secretState === 'closed')
    await alice.closeSecretChat(secret.id)
    await closed
    await expect(bob.messages(secret.id)).rejects.toMatchObject({ code: 'ERR_CONVERSATION_NOT_FOUND' })
    await expect(alice.messages(secret.id)).rejects.toMatchObject({ code: 'ERR_CONVERSATION_NOT_FOUND' })
  })
}
