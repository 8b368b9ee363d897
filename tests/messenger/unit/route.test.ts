import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../src/bytes.js'
import { decodeAddress } from '../../../src/identity/address.js'
import { applyContent, blockedSenderEffects } from '../../../src/messenger/receive/route.js'
import type { Conversation } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'
import { NOW, account, content, device, emitted, memoryStore, normalChat, secretChat } from './stubs.js'

const anyChat = (id = toHex(randomBytes(16)), kind: 'normal' | 'secret' = 'normal'): Conversation =>
  ({ id, kind, members: [], lastActivity: 0, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: 0 })

describe('receive routing: which conversation a content belongs to', () => {
  it('a first text from a new sender creates the conversation and the contact', async () => {
    const store = await memoryStore()
    const sender = account().address
    const self = account().address
    const effects = await store.transaction(async (tx) => applyContent({ tx, content: content(anyChat(), Content.Kind.TEXT, { text: 'hello' }), sender, senderDevice: randomBytes(32), self, now: NOW }))
    const conversationId = await store.peerConversations.get(sender)
    expect(emitted(effects, 'message')[0].message.conversationId).toBe(conversationId)
    expect((await store.contacts.get(sender))?.verification).toBe('unverified')
  })

  it('a secret START creates an incoming secret chat bound to the sending device', async () => {
    const store = await memoryStore()
    const sender = account().address
    const senderDevice = randomBytes(32)
    const id = toHex(randomBytes(16))
    const c = content(anyChat(id, 'secret'), Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.START, directOnly: true })
    const effects = await store.transaction(async (tx) => applyContent({ tx, content: c, sender, senderDevice, self: account().address, now: NOW }))
    expect(emitted(effects, 'conversation-updated')[0].conversation.secretState).toBe('incoming')
    expect(await store.secretChats.get(id)).toEqual({ state: 'incoming', directOnly: true, peerDevice: toHex(senderDevice) })
  })

  it('a secret chat ignores every device but the one it is bound to, and everything once closed', async () => {
    const store = await memoryStore()
    const sender = account().address
    const bound = device().deviceKey
    const chat = await secretChat(store, sender, bound, 'active')
    const text = content(chat, Content.Kind.TEXT, { text: 'hi' })
    const other = await store.transaction(async (tx) => applyContent({ tx, content: text, sender, senderDevice: randomBytes(32), self: account().address, now: NOW }))
    expect(other).toEqual([])
    const closed = await secretChat(store, sender, bound, 'closed')
    const late = await store.transaction(async (tx) => applyContent({ tx, content: content(closed, Content.Kind.TEXT, { text: 'late' }), sender, senderDevice: bound, self: account().address, now: NOW }))
    expect(late).toEqual([])
    const ok = await store.transaction(async (tx) => applyContent({ tx, content: text, sender, senderDevice: bound, self: account().address, now: NOW }))
    expect(emitted(ok, 'message')).toHaveLength(1)
  })

  it('a copy from my own device goes to the conversation with its peer; without a peer it is ignored', async () => {
    const store = await memoryStore()
    const self = account().address
    const peer = account().address
    const chat = await normalChat(store, peer)
    const synced = content(anyChat(), Content.Kind.TEXT, { text: 'sync', syncPeer: decodeAddress(peer) })
    const effects = await store.transaction(async (tx) => applyContent({ tx, content: synced, sender: self, senderDevice: randomBytes(32), self, now: NOW }))
    expect(emitted(effects, 'message')[0].message.conversationId).toBe(chat.id)
    const bare = await store.transaction(async (tx) => applyContent({ tx, content: content(anyChat(), Content.Kind.TEXT, { text: 'x' }), sender: self, senderDevice: randomBytes(32), self, now: NOW }))
    expect(bare).toEqual([])
  })
})

describe('blocked senders', () => {
  it('are not told: a text gets the DELIVERED receipt in the existing conversation; nothing is stored', async () => {
    const store = await memoryStore()
    const sender = account().address
    const chat = await normalChat(store, sender)
    const c = content(chat, Content.Kind.TEXT, { text: 'blocked' })
    const effects = await store.transaction(async (tx) => blockedSenderEffects({ tx, content: c, sender, senderDevice: randomBytes(32), self: account().address, now: NOW }))
    expect(effects).toEqual([{ kind: 'delivered-receipt', conversationId: chat.id, messageId: c.messageId }])
    expect((await store.messages.latest(chat.id)).items).toHaveLength(0)
  })

  it('get no conversation created, and nothing for other kinds', async () => {
    const store = await memoryStore()
    const sender = account().address
    const c = content(anyChat(), Content.Kind.TEXT, { text: 'blocked' })
    expect(await store.transaction(async (tx) => blockedSenderEffects({ tx, content: c, sender, senderDevice: randomBytes(32), self: account().address, now: NOW }))).toEqual([])
    expect(await store.peerConversations.get(sender)).toBeUndefined()
    const chat = await normalChat(store, sender)
    const typing = content(chat, Content.Kind.DELETE, { ids: [fromHex(toHex(randomBytes(16)))] })
    expect(await store.transaction(async (tx) => blockedSenderEffects({ tx, content: typing, sender, senderDevice: randomBytes(32), self: account().address, now: NOW }))).toEqual([])
  })
})
