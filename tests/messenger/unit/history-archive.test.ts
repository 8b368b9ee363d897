import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bytes.js'
import { applyHistoryFrame, historyFrames, parseHistoryScope } from '../../../src/messenger/devices/history-archive.js'
import { HistoryFrame } from '../../../src/wire/history.js'
import { NOW, account, device, memoryStore, normalChat, secretChat, storedText } from './stubs.js'

async function collect (frames: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of frames) out.push(f)
  return out
}

describe('history archive', () => {
  it('carries contacts, normal chats and their messages since the cut-off, oldest first, never a secret chat', async () => {
    const store = await memoryStore()
    const peer = account()
    const chat = await normalChat(store, peer.address)
    const old = await storedText(store, chat, peer.address, 'in', 'too old')
    await store.messages.put({ ...old, senderTimestamp: NOW - 40 * 86_400_000 })
    for (let i = 0; i < 3; i++) await store.messages.put({ ...(await storedText(store, chat, peer.address, 'in', `m${i}`)), clock: 10 + i, senderTimestamp: NOW + i })
    const secret = await secretChat(store, peer.address, device().deviceKey, 'active')
    await storedText(store, secret, peer.address, 'in', 'secret')
    const frames = await collect(historyFrames(store, NOW - 30 * 86_400_000))
    const decoded = frames.map((f) => HistoryFrame.decode(f))
    expect(decoded.at(-1)?.done).toBe(true)
    const messages = decoded.flatMap((f) => f.messages)
    expect(messages.map((m) => m.conversationId).every((id) => id === chat.id)).toBe(true)
    expect(messages).toHaveLength(3)
    expect(decoded.flatMap((f) => f.conversations).map((c) => c.id)).toEqual([chat.id])
    expect(decoded[0].contacts.map((c) => c.address)).toEqual([peer.address])

    const target = await memoryStore()
    for (const f of frames) await applyHistoryFrame(target, f)
    expect((await target.messages.latest(chat.id)).items).toHaveLength(3)
    expect(await target.conversations.get(secret.id)).toBeUndefined()
    // applied twice: nothing is duplicated, and what changed here since (read) is not overwritten
    const first = (await target.messages.latest(chat.id)).items[0]
    await target.messages.put({ ...first, status: 'read' })
    for (const f of frames) await applyHistoryFrame(target, f)
    expect((await target.messages.latest(chat.id)).items).toHaveLength(3)
    expect((await target.messages.get(first.id))?.status).toBe('read')
  })

  it('hostile frames: garbage fails typed, oversized lists are refused, messages of unknown or secret chats are dropped', async () => {
    const store = await memoryStore()
    await expect(applyHistoryFrame(store, randomBytes(64).fill(0xff))).rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' })
    const tooMany = HistoryFrame.encode({ contacts: [], conversations: [], messages: Array.from({ length: 1001 }, () => ({ id: toHex(randomBytes(16)), conversationId: 'x', clock: 1n, sentAt: 1n, outgoing: false, sender: 's', content: new Uint8Array(1), status: 'received', expiresAt: 0n })), totalMessages: 0, done: false })
    await expect(applyHistoryFrame(store, tooMany)).rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' })
    const peer = account()
    const secret = await secretChat(store, peer.address, device().deviceKey, 'active')
    const frame = HistoryFrame.encode({
      contacts: [],
      conversations: [],
      messages: [secret.id, toHex(randomBytes(16))].map((conversationId) => ({ id: toHex(randomBytes(16)), conversationId, clock: 1n, sentAt: 1n, outgoing: false, sender: peer.address, content: new Uint8Array(4), status: 'received', expiresAt: 0n })),
      totalMessages: 2,
      done: true
    })
    expect(await applyHistoryFrame(store, frame)).toEqual({ messages: 2, done: true, total: 2 })
    expect((await store.messages.latest(secret.id)).items).toHaveLength(0)
  })

  it('scopes: none, all, <days>d; anything else is refused with a typed error', () => {
    expect(parseHistoryScope('none')).toEqual({ kind: 'none' })
    expect(parseHistoryScope('ALL')).toEqual({ kind: 'all' })
    expect(parseHistoryScope('30d')).toEqual({ kind: 'days', days: 30 })
    for (const bad of ['0d', '30', 'forever', '-3d']) expect(() => parseHistoryScope(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })

  it('attachments travel as references: a file complete on the old device is pending on the new one, other bodies unchanged', async () => {
    const store = await memoryStore()
    const peer = account()
    const chat = await normalChat(store, peer.address)
    const file = await storedText(store, chat, peer.address, 'in', 'x')
    const attachment = { key: '00'.repeat(32), digest: '11'.repeat(32), size: 10, sha256: '22'.repeat(32), name: 'a.txt', mime: 'text/plain', state: 'complete', sourceDevice: '33'.repeat(32) }
    await store.messages.put({ ...file, content: new TextEncoder().encode(JSON.stringify({ kind: 'file', reactions: {}, forwardable: true, attachment })) })
    const text = await storedText(store, chat, peer.address, 'in', 'plain text')
    const target = await memoryStore()
    for (const f of await collect(historyFrames(store, 0))) await applyHistoryFrame(target, f)
    const body = JSON.parse(new TextDecoder().decode((await target.messages.get(file.id))!.content)) as { attachment: Record<string, unknown> }
    expect(body.attachment).toEqual({ ...attachment, state: 'pending' })
    expect((await target.messages.get(text.id))!.content).toEqual(text.content)
  })
})
