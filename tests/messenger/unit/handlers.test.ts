import { describe, expect, it } from 'vitest'
import { fromHex } from '../../../src/bytes.js'
import { decodeBody, toView } from '../../../src/messenger/conversations/message-body.js'
import { durationWords } from '../../../src/messenger/conversations/notices.js'
import { MAX_TEXT_LENGTH, MAX_TTL_MS, MIN_TTL_MS } from '../../../src/messenger/constants.js'
import { RECEIVE_HANDLERS } from '../../../src/messenger/receive/handlers/index.js'
import { Content } from '../../../src/wire/content.js'
import { NOW, account, content, device, emitted, inTx, memoryStore, normalChat, received, secretChat, storedText } from './stubs.js'

const h = RECEIVE_HANDLERS

describe('receive handlers: texts and unknown kinds', () => {
  it('a text is stored once, shown, and answered with a DELIVERED receipt', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const c = content(chat, Content.Kind.TEXT, { text: 'hi' })
    const effects = await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, chat, c, peer)))
    expect(emitted(effects, 'message')[0].message.text).toBe('hi')
    expect(effects.some((e) => e.kind === 'delivered-receipt')).toBe(true)
    const again = await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, chat, c, peer)))
    expect(again).toEqual([])
    expect((await store.messages.latest(chat.id)).items).toHaveLength(1)
    expect((await store.conversations.get(chat.id))?.unreadCount).toBe(1)
  })

  it('a copy from my own other device is outgoing, already sent, unread-free and not receipted', async () => {
    const store = await memoryStore()
    const me = account().address
    const chat = await normalChat(store, account().address)
    const effects = await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, chat, content(chat, Content.Kind.TEXT, { text: 'mine' }), me, { fromSelf: true })))
    const message = emitted(effects, 'message')[0].message
    expect(message.direction).toBe('out')
    expect(message.status).toBe('sent')
    expect(effects.some((e) => e.kind === 'delivered-receipt')).toBe(false)
    expect((await store.conversations.get(chat.id))?.unreadCount).toBe(0)
  })

  it('a disappearing text that already expired is not stored', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const c = content(chat, Content.Kind.TEXT, { text: 'late', sentAt: BigInt(NOW - 10_000), ttlMs: 5000n })
    expect(await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, chat, c, peer)))).toEqual([])
    expect((await store.messages.latest(chat.id)).items).toHaveLength(0)
  })

  it('an over-long text is cut to the limit; a text of a secret chat is not forwardable and its timer starts on read', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const effects = await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, chat, content(chat, Content.Kind.TEXT, { text: 'x'.repeat(MAX_TEXT_LENGTH + 10) }), peer)))
    expect(emitted(effects, 'message')[0].message.text).toHaveLength(MAX_TEXT_LENGTH)
    const peerDevice = device().deviceKey
    const secret = await secretChat(store, peer, peerDevice, 'active')
    const id = (await inTx(store, async (tx) => h[Content.Kind.TEXT](received(tx, secret, content(secret, Content.Kind.TEXT, { text: 's', ttlMs: 60_000n }), peer))))
    const stored = await store.messages.get(emitted(id, 'message')[0].message.id)
    const body = decodeBody(stored!.content)
    expect(body.forwardable).toBe(false)
    expect(body.startsOnRead).toBe(true)
    expect(stored?.expiresAt).toBeNull()
  })

  it('unknown kinds are kept as unsupported, without a receipt', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const effects = await inTx(store, async (tx) => h[Content.Kind.UNKNOWN](received(tx, chat, content(chat, Content.Kind.UNKNOWN), peer)))
    expect(emitted(effects, 'message')[0].message.kind).toBe('unsupported')
    expect(effects.some((e) => e.kind === 'delivered-receipt')).toBe(false)
  })

  it('an attachment announcement is kept as a pending file; a missing, oversize or malformed one is refused as malformed', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const announcement = { key: new Uint8Array(32), digest: new Uint8Array(32).fill(1), size: 1000n, sha256: new Uint8Array(32), name: 'a.pdf', mime: 'application/pdf', durationMs: 0, waveform: new Uint8Array(0), thumbnail: new Uint8Array(0), width: 0, height: 0 }
    const effects = await inTx(store, async (tx) => h[Content.Kind.ATTACHMENT](received(tx, chat, content(chat, Content.Kind.ATTACHMENT, { attachment: announcement }), peer)))
    const view = emitted(effects, 'message')[0].message
    expect(view.kind).toBe('file')
    expect(view.attachment).toMatchObject({ name: 'a.pdf', size: 1000, mime: 'application/pdf', state: 'pending' })
    expect(effects.some((e) => e.kind === 'delivered-receipt')).toBe(true)
    for (const bad of [undefined, { ...announcement, size: 2n ** 40n }, { ...announcement, key: new Uint8Array(3) }, { ...announcement, name: 'x'.repeat(300) }]) {
      await expect(inTx(store, async (tx) => h[Content.Kind.ATTACHMENT](received(tx, chat, content(chat, Content.Kind.ATTACHMENT, { attachment: bad }), peer))))
        .rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' })
    }
  })

  it('the handler table has one handler for every content kind', () => {
    for (const kind of Object.values(Content.Kind).filter((k): k is Content.Kind => typeof k === 'string')) expect(typeof h[kind]).toBe('function')
  })
})

describe('receive handlers: who may edit, react to and delete what', () => {
  it('only the author edits its message', async () => {
    const store = await memoryStore()
    const peer = account().address
    const me = account().address
    const chat = await normalChat(store, peer)
    const theirs = await storedText(store, chat, peer, 'in', 'original')
    const effects = await inTx(store, async (tx) => h[Content.Kind.EDIT](received(tx, chat, content(chat, Content.Kind.EDIT, { targetId: fromHex(theirs.id), text: 'edited' }), peer)))
    expect(emitted(effects, 'message-updated')[0].message.text).toBe('edited')
    expect(emitted(effects, 'message-updated')[0].message.editHistory).toEqual(['original'])
    const mine = await storedText(store, chat, me, 'out', 'mine')
    const forged = await inTx(store, async (tx) => h[Content.Kind.EDIT](received(tx, chat, content(chat, Content.Kind.EDIT, { targetId: fromHex(mine.id), text: 'forged' }), peer)))
    expect(forged).toEqual([])
    expect(decodeBody((await store.messages.get(mine.id))!.content).text).toBe('mine')
  })

  it('a third party edits nothing: a message of another conversation is out of reach', async () => {
    const store = await memoryStore()
    const peer = account().address
    const stranger = account().address
    const chat = await normalChat(store, peer)
    const other = await normalChat(store, stranger)
    const message = await storedText(store, chat, peer, 'in', 'kept')
    // the stranger sends an edit naming it, in its own conversation (even claiming the author's address would not help: the sender is proven)
    const effects = await inTx(store, async (tx) => h[Content.Kind.EDIT](received(tx, other, content(other, Content.Kind.EDIT, { targetId: fromHex(message.id), text: 'x' }), stranger)))
    expect(effects).toEqual([])
    expect(decodeBody((await store.messages.get(message.id))!.content).text).toBe('kept')
  })

  it('either participant deletes any message of the conversation on both sides', async () => {
    const store = await memoryStore()
    const peer = account().address
    const me = account().address
    const chat = await normalChat(store, peer)
    const mine = await storedText(store, chat, me, 'out')
    const theirs = await storedText(store, chat, peer, 'in')
    const effects = await inTx(store, async (tx) => h[Content.Kind.DELETE](received(tx, chat, content(chat, Content.Kind.DELETE, { ids: [fromHex(mine.id), fromHex(theirs.id)] }), peer)))
    expect(emitted(effects, 'messages-deleted')[0].ids.sort()).toEqual([mine.id, theirs.id].sort())
    expect(await store.messages.get(mine.id)).toBeUndefined()
    expect(await store.messages.get(theirs.id)).toBeUndefined()
  })

  it('a third party deletes nothing of another conversation', async () => {
    const store = await memoryStore()
    const peer = account().address
    const stranger = account().address
    const chat = await normalChat(store, peer)
    const other = await normalChat(store, stranger)
    const message = await storedText(store, chat, peer, 'in')
    const effects = await inTx(store, async (tx) => h[Content.Kind.DELETE](received(tx, other, content(other, Content.Kind.DELETE, { ids: [fromHex(message.id)] }), stranger)))
    expect(effects).toEqual([])
    expect(await store.messages.get(message.id)).toBeDefined()
    // nor by clearing its own conversation
    await inTx(store, async (tx) => h[Content.Kind.DELETE](received(tx, other, content(other, Content.Kind.DELETE, { flag: true }), stranger)))
    expect(await store.messages.get(message.id)).toBeDefined()
  })

  it('a clear for everyone deletes every message of the conversation', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    for (let i = 0; i < 3; i++) await storedText(store, chat, peer, 'in')
    const effects = await inTx(store, async (tx) => h[Content.Kind.DELETE](received(tx, chat, content(chat, Content.Kind.DELETE, { flag: true }), peer)))
    expect(emitted(effects, 'messages-deleted')[0].ids).toHaveLength(3)
    expect((await store.messages.latest(chat.id)).items).toHaveLength(0)
  })

  it('reactions toggle per sender and stay within the conversation', async () => {
    const store = await memoryStore()
    const peer = account().address
    const stranger = account().address
    const chat = await normalChat(store, peer)
    const other = await normalChat(store, stranger)
    const message = await storedText(store, chat, peer, 'in')
    const react = async (conv = chat, from = peer): Promise<unknown> => inTx(store, async (tx) => h[Content.Kind.REACTION](received(tx, conv, content(conv, Content.Kind.REACTION, { targetId: fromHex(message.id), emoji: '👍' }), from)))
    expect(emitted(await react() as never, 'message-updated')[0].message.reactions['👍']).toEqual([peer])
    expect(emitted(await react() as never, 'message-updated')[0].message.reactions['👍']).toBeUndefined()
    expect(await react(other, stranger)).toEqual([])
  })
})

describe('receive handlers: receipts', () => {
  it('read beats delivered, and a late delivered never downgrades read', async () => {
    const store = await memoryStore()
    const peer = account().address
    const me = account().address
    const chat = await normalChat(store, peer)
    const message = await storedText(store, chat, me, 'out')
    const receipt = async (type: Content.ReceiptType): Promise<ReturnType<typeof emitted<'delivery'>>> => emitted(await inTx(store, async (tx) =>
      h[Content.Kind.RECEIPT](received(tx, chat, content(chat, Content.Kind.RECEIPT, { receipt: type, ids: [fromHex(message.id)] }), peer))), 'delivery')
    expect((await receipt(Content.ReceiptType.DELIVERED))[0].state).toBe('delivered')
    expect((await receipt(Content.ReceiptType.READ))[0].state).toBe('read')
    expect(await receipt(Content.ReceiptType.DELIVERED)).toEqual([])
    expect((await store.messages.get(message.id))?.status).toBe('read')
    expect((await store.receipts.get(message.id))?.targets[peer].state).toBe('read')
  })

  it('a read receipt straight after sending skips delivered', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const message = await storedText(store, chat, account().address, 'out', 'x', 'stored')
    const effects = await inTx(store, async (tx) => h[Content.Kind.RECEIPT](received(tx, chat, content(chat, Content.Kind.RECEIPT, { receipt: Content.ReceiptType.READ, ids: [fromHex(message.id)] }), peer)))
    expect(emitted(effects, 'delivery').map((d) => d.state)).toEqual(['read'])
  })

  it('receipts for incoming messages or another conversation are ignored', async () => {
    const store = await memoryStore()
    const peer = account().address
    const stranger = account().address
    const chat = await normalChat(store, peer)
    const other = await normalChat(store, stranger)
    const incoming = await storedText(store, chat, peer, 'in')
    const mine = await storedText(store, chat, account().address, 'out')
    expect(await inTx(store, async (tx) => h[Content.Kind.RECEIPT](received(tx, chat, content(chat, Content.Kind.RECEIPT, { ids: [fromHex(incoming.id)] }), peer)))).toEqual([])
    expect(await inTx(store, async (tx) => h[Content.Kind.RECEIPT](received(tx, other, content(other, Content.Kind.RECEIPT, { ids: [fromHex(mine.id)] }), stranger)))).toEqual([])
    expect((await store.messages.get(mine.id))?.status).toBe('sent')
  })

  it('READ starts the timer of a message whose timer starts on read', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const message = await storedText(store, chat, account().address, 'out')
    await store.messages.put({ ...message, content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: 's', reactions: {}, forwardable: false, ttlMs: 5000, startsOnRead: true })) })
    await inTx(store, async (tx) => h[Content.Kind.RECEIPT](received(tx, chat, content(chat, Content.Kind.RECEIPT, { receipt: Content.ReceiptType.READ, ids: [fromHex(message.id)] }), peer)))
    expect((await store.messages.get(message.id))?.expiresAt).toBe(NOW + 5000)
  })
})

describe('receive handlers: timers, typing, screenshots, session resets', () => {
  it.each([
    [10n, MIN_TTL_MS],
    [BigInt(365 * 24 * 3600 * 1000), MAX_TTL_MS],
    [60_000n, 60_000],
    [0n, null]
  ])('a timer of %s ms is set to %s', async (ttl, expected) => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const effects = await inTx(store, async (tx) => h[Content.Kind.TIMER](received(tx, chat, content(chat, Content.Kind.TIMER, { ttlMs: ttl }), peer)))
    expect(emitted(effects, 'conversation-updated')[0].conversation.disappearingTimerMs).toBe(expected)
    expect((await store.conversations.get(chat.id))?.disappearingTimerMs).toBe(expected)
    // a change is a stored notice line (the chat's timer was off: 0 changes nothing, so no line)
    const lines = (await store.messages.latest(chat.id)).items.map(toView)
    if (expected == null) {
      expect(lines).toEqual([])
      expect(emitted(effects, 'message')).toEqual([])
    } else {
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ kind: 'notice', direction: 'in', sender: peer, status: 'read', notice: { type: 'timer', ttlMs: expected }, text: `set disappearing messages to ${durationWords(expected)}` })
      expect(emitted(effects, 'message')[0].message.id).toBe(lines[0].id)
    }
  })

  it('typing is an event only; nothing is stored', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const effects = await inTx(store, async (tx) => h[Content.Kind.TYPING](received(tx, chat, content(chat, Content.Kind.TYPING, { flag: true }), peer)))
    expect(emitted(effects, 'typing')).toEqual([{ conversationId: chat.id, from: peer, typing: true }])
    expect((await store.messages.latest(chat.id)).items).toHaveLength(0)
  })

  it('a screenshot leaves a notice and an event', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const effects = await inTx(store, async (tx) => h[Content.Kind.SCREENSHOT](received(tx, chat, content(chat, Content.Kind.SCREENSHOT), peer)))
    expect(emitted(effects, 'screenshot')).toEqual([{ conversationId: chat.id, from: peer }])
    expect(emitted(effects, 'message')[0].message.kind).toBe('notice')
  })

  it('a session reset asks for the undelivered texts again, unless it came from my own device', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await normalChat(store, peer)
    const c = content(chat, Content.Kind.SESSION_RESET)
    expect((await inTx(store, async (tx) => h[Content.Kind.SESSION_RESET](received(tx, chat, c, peer))))[0].kind).toBe('resend-undelivered')
    expect(await inTx(store, async (tx) => h[Content.Kind.SESSION_RESET](received(tx, chat, c, peer, { fromSelf: true })))).toEqual([])
  })
})

describe('receive handlers: secret-chat states', () => {
  it('ACCEPT makes a pending chat active', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await secretChat(store, peer, device().deviceKey, 'pending')
    const effects = await inTx(store, async (tx) => h[Content.Kind.SECRET_CONTROL](received(tx, chat, content(chat, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.ACCEPT }), peer)))
    expect(emitted(effects, 'conversation-updated')[0].conversation.secretState).toBe('active')
    expect((await store.secretChats.get(chat.id))?.state).toBe('active')
    // "<peer> accepted the secret chat", stored with the chat
    const lines = (await store.messages.latest(chat.id)).items.map(toView)
    expect(lines).toMatchObject([{ kind: 'notice', direction: 'in', sender: peer, notice: { type: 'secret-accepted' } }])
    expect(lines[0].text).toMatch(/^accepted the secret chat/)
  })

  it('ACCEPT of a chat that is not pending changes nothing', async () => {
    const store = await memoryStore()
    const peer = account().address
    for (const state of ['incoming', 'active'] as const) {
      const chat = await secretChat(store, peer, device().deviceKey, state)
      expect(await inTx(store, async (tx) => h[Content.Kind.SECRET_CONTROL](received(tx, chat, content(chat, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.ACCEPT }), peer)))).toEqual([])
      expect((await store.secretChats.get(chat.id))?.state).toBe(state)
    }
  })

  it('CLOSE asks to wipe the chat; secret controls in a normal chat are ignored', async () => {
    const store = await memoryStore()
    const peer = account().address
    const chat = await secretChat(store, peer, device().deviceKey, 'active')
    const effects = await inTx(store, async (tx) => h[Content.Kind.SECRET_CONTROL](received(tx, chat, content(chat, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.CLOSE }), peer)))
    expect(effects.map((e) => e.kind)).toEqual(['wipe-secret-chat'])
    const normal = await normalChat(store, peer)
    expect(await inTx(store, async (tx) => h[Content.Kind.SECRET_CONTROL](received(tx, normal, content(normal, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.CLOSE }), peer)))).toEqual([])
  })
})
