import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors.js'
import { MAX_SEARCH_SCANNED } from '../../../src/messenger/constants.js'
import { harness, normalChat, storedText } from './stubs.js'

describe('local history search (decrypted pages matched in memory)', () => {
  it('finds texts case- and accent-insensitively, across conversations or in one', async () => {
    const h = await harness()
    const chat = await normalChat(h.store, h.peer.address)
    const other = await normalChat(h.store, (await harness()).peer.address)
    await storedText(h.store, chat, h.peer.address, 'in', 'Meet at the Café at noon')
    await storedText(h.store, chat, h.me.address, 'out', 'nothing to see')
    await storedText(h.store, other, h.me.address, 'out', 'the cafe was closed')
    const all = await h.messenger.search('CAFE')
    expect(all.complete).toBe(true)
    expect(all.hits.map((x) => x.message.text).sort()).toEqual(['Meet at the Café at noon', 'the cafe was closed'])
    expect(all.hits.every((x) => typeof x.conversationTitle === 'string' && x.conversationTitle !== '')).toBe(true)
    const one = await h.messenger.search('café', { conversationId: chat.id })
    expect(one.hits.map((x) => x.message.text)).toEqual(['Meet at the Café at noon'])
    expect((await h.messenger.search('absent words')).hits).toEqual([])
  })

  it('stops at the limit and says it is not complete; refuses empty or oversized queries with a typed error', async () => {
    const h = await harness()
    const chat = await normalChat(h.store, h.peer.address)
    for (let i = 0; i < 5; i++) await storedText(h.store, chat, h.peer.address, 'in', `needle ${i}`)
    const limited = await h.messenger.search('needle', { limit: 2 })
    expect(limited.hits).toHaveLength(2)
    expect(limited.complete).toBe(false)
    await expect(h.messenger.search('   ')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT })
    await expect(h.messenger.search('x'.repeat(201))).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT })
    await expect(h.messenger.search('needle', { limit: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT })
    await expect(h.messenger.search('needle', { limit: 10_000 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT })
    expect(MAX_SEARCH_SCANNED).toBeGreaterThan(0)
  })

  it('an aborted search rejects with AbortError', async () => {
    const h = await harness()
    const chat = await normalChat(h.store, h.peer.address)
    await storedText(h.store, chat, h.peer.address, 'in', 'anything')
    const err = await h.messenger.search('any', { signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
  })
})
