import { describe, expect, it } from 'vitest'
import { Envelope } from '../../../src/net/envelope-codec.js'
import { ErrorCode } from '../../../src/errors.js'
import { AccountNotFoundError } from '../../../src/net/errors.js'
import { Content } from '../../../src/wire/content.js'
import { harness, leftovers, normalChat, stubSessions, storedText, recordOf } from './stubs.js'

const isAbort = (err: unknown): boolean => (err as Error).name === 'AbortError'

describe('sending over stub components', () => {
  it('sendText stores and announces the message at once, with a pending outbox entry: no lookup is waited for', async () => {
    // a directory that never answers (the DHT unreachable): sendText must not wait for it
    const h = await harness({ directory: { lookup: async () => new Promise(() => {}) } })
    const chat = await normalChat(h.store, h.peer.address)
    const sent = await h.messenger.sendText(chat.id, 'hello')
    expect(sent.status).toBe('queued')
    expect(h.events.map((e) => e.type)).toEqual(['message', 'delivery'])
    const outbox = (await h.store.outbox.due(2 ** 50)).items
    expect(outbox.map((e) => e.target)).toEqual([{ kind: 'pending', conversationId: chat.id }])
    expect(outbox[0].messageId).toBe(sent.id)
    expect(Content.decode(outbox[0].envelope).text).toBe('hello')
    expect(await leftovers(h, chat.id)).toEqual({ messages: 1, sessions: false, outbox: 1 })
  })

  it('the outbox seals the pending message into one copy per device, the envelope as it goes on the wire', async () => {
    const wire: Uint8Array[] = []
    const h = await harness({ clock: { now: Date.now }, envelopes: { send: async (_device, bytes) => { wire.push(bytes) }, setHandler: () => {} } })
    const chat = await normalChat(h.store, h.peer.address)
    await h.messenger.start()
    try {
      const sentEvent = h.messenger.next('delivery', { filter: (d) => d.state === 'sent', signal: AbortSignal.timeout(10_000) })
      const sent = await h.messenger.sendText(chat.id, 'hello')
      expect((await sentEvent).messageId).toBe(sent.id)
      expect(wire).toHaveLength(1)
      const envelope = Envelope.decode(wire[0])
      expect(Envelope.encode(envelope)).toEqual(wire[0])
      expect(envelope.recipientDevice).toEqual(h.peer.device.deviceKey)
      expect(Content.decode(envelope.payload).text).toBe('hello')
      expect(await leftovers(h, chat.id)).toEqual({ messages: 1, sessions: true, outbox: 0 })
      expect((await h.messenger.messages(chat.id)).items[0]).toMatchObject({ id: sent.id, status: 'sent', route: 'direct' })
    } finally {
      await h.messenger.stop()
    }
  })

  it('a contact whose record cannot be found: the message waits, and says why (lastError, a queued delivery event)', async () => {
    const h = await harness({ clock: { now: Date.now }, directory: { lookup: async () => { throw new AccountNotFoundError() } } })
    const chat = await normalChat(h.store, h.peer.address)
    await h.messenger.start()
    try {
      const waiting = h.messenger.next('delivery', { filter: (d) => d.reason != null, signal: AbortSignal.timeout(10_000) })
      const sent = await h.messenger.sendText(chat.id, 'later')
      expect(await waiting).toEqual({ conversationId: chat.id, messageId: sent.id, state: 'queued', reason: ErrorCode.ACCOUNT_NOT_FOUND })
      expect((await h.messenger.messages(chat.id)).items[0]).toMatchObject({ id: sent.id, status: 'queued', lastError: ErrorCode.ACCOUNT_NOT_FOUND })
      const outbox = (await h.store.outbox.due(2 ** 50)).items
      expect(outbox.map((e) => e.target)).toEqual([{ kind: 'pending', conversationId: chat.id }])
      expect(outbox[0]).toMatchObject({ attempts: 1, lastError: ErrorCode.ACCOUNT_NOT_FOUND })
    } finally {
      await h.messenger.stop()
    }
  })

  it('only the author may edit; a reaction goes to every device', async () => {
    const h = await harness()
    const chat = await normalChat(h.store, h.peer.address)
    const theirs = await storedText(h.store, chat, h.peer.address, 'in')
    await expect(h.messenger.edit(chat.id, theirs.id, 'mine now')).rejects.toMatchObject({ code: ErrorCode.NOT_ALLOWED })
    const reacted = await h.messenger.react(chat.id, theirs.id, '👍')
    expect(reacted.reactions['👍']).toEqual([h.me.address])
  })
})

describe('cancellation leaves no half-written state', () => {
  it('an edit aborted while the recipient is being looked up rejects with AbortError and writes nothing', async () => {
    const controller = new AbortController()
    const h = await harness({
      directory: {
        lookup: async (_address, options) => new Promise((_resolve, reject) => {
          controller.abort()
          options?.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
          if (options?.signal?.aborted === true) reject(options.signal.reason)
        })
      }
    })
    const chat = await normalChat(h.store, h.peer.address)
    const mine = await storedText(h.store, chat, h.me.address, 'out', 'first')
    // a stored copy of the record would answer a failed lookup; an abort must not fall back to it
    await h.store.accountRecords.put(h.peer.address, recordOf(h.peer.address, [h.peer.device]).bytes)
    const err = await h.messenger.edit(chat.id, mine.id, 'never', { signal: controller.signal }).catch((e: unknown) => e)
    expect(isAbort(err)).toBe(true)
    expect(await leftovers(h, chat.id)).toEqual({ messages: 1, sessions: false, outbox: 0 })
    expect((await h.messenger.messages(chat.id)).items[0].text).toBe('first')
    expect(h.events).toEqual([])
  })

  it('an edit aborted mid-dispatch, after a copy was sealed, rejects with AbortError and commits nothing', async () => {
    const controller = new AbortController()
    const own = { ...(await harness()).me.device }
    const h = await harness()
    // my other device makes two targets: the abort lands between the two seals, inside the transaction
    h.components.accountRecords.ownBody = () => recordOf(h.me.address, [h.me.device, own]).body
    h.components.sessions = stubSessions(h.me.device.deviceKey, (count) => { if (count === 1) controller.abort() })
    const chat = await normalChat(h.store, h.peer.address)
    const mine = await storedText(h.store, chat, h.me.address, 'out', 'first')
    const err = await h.messenger.edit(chat.id, mine.id, 'half', { signal: controller.signal }).catch((e: unknown) => e)
    expect(isAbort(err)).toBe(true)
    expect(await leftovers(h, chat.id)).toEqual({ messages: 1, sessions: false, outbox: 0 })
    expect((await h.messenger.messages(chat.id)).items[0].text).toBe('first')
  })

  it('markRead aborted while its receipt is dispatched rejects with AbortError and queues no receipt', async () => {
    const controller = new AbortController()
    const h = await harness()
    h.components.sessions = stubSessions(h.me.device.deviceKey, () => { controller.abort() })
    const chat = await normalChat(h.store, h.peer.address)
    const incoming = await storedText(h.store, chat, h.peer.address, 'in')
    const err = await h.messenger.markRead(chat.id, { signal: controller.signal }).catch((e: unknown) => e)
    expect(isAbort(err)).toBe(true)
    // read here (that part is complete), but no half-sent receipt: no session, no outbox entry
    expect((await h.store.messages.get(incoming.id))?.status).toBe('read')
    expect(await leftovers(h, chat.id)).toEqual({ messages: 1, sessions: false, outbox: 0 })
  })

  it('addContact aborted while dialling the invite relay rejects with AbortError and adds no contact', async () => {
    const controller = new AbortController()
    const h = await harness()
    h.components.network.dial = async (_addr, options) => {
      controller.abort()
      throw options?.signal?.reason ?? new Error('no signal')
    }
    const relay = '/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
    const err = await h.messenger.addContact(`parley:${h.peer.address}?relay=${encodeURIComponent(relay)}`, {}, { signal: controller.signal }).catch((e: unknown) => e)
    expect(isAbort(err)).toBe(true)
    expect(await h.store.contacts.get(h.peer.address)).toBeUndefined()
  })
})
