import { describe, expect, it } from 'vitest'
import { targetOf } from '../../../src/messenger/delivery/outbox-target.js'
import { LEGACY_SETTING } from '../../../src/store/legacy-settings.js'
import { newConversationId, type OutboxEntry } from '../../../src/store/index.js'
import { account, memoryStore } from './stubs.js'

describe('typed repos read what older versions kept in settings', () => {
  it('secretChats: the old secret-chat:<id> setting is read, and moved on the first write', async () => {
    const store = await memoryStore()
    const id = newConversationId()
    await store.settings.put(LEGACY_SETTING.secretChat(id), { state: 'active', directOnly: true, peerDevice: 'ab' })
    expect(await store.secretChats.get(id)).toEqual({ state: 'active', directOnly: true, peerDevice: 'ab' })
    await store.secretChats.put(id, { state: 'closed', directOnly: true, peerDevice: 'ab' })
    expect(await store.settings.get(LEGACY_SETTING.secretChat(id))).toBeUndefined()
    expect((await store.secretChats.get(id))?.state).toBe('closed')
  })

  it('accountRecords: the old record:<address> setting is read; delete removes both', async () => {
    const store = await memoryStore()
    const { address } = account()
    await store.settings.put(LEGACY_SETTING.accountRecord(address), new Uint8Array([1, 2, 3]))
    expect(await store.accountRecords.get(address)).toEqual(new Uint8Array([1, 2, 3]))
    await store.accountRecords.delete(address)
    expect(await store.accountRecords.get(address)).toBeUndefined()
    await store.accountRecords.put(address, new Uint8Array([4]))
    expect(await store.accountRecords.get(address)).toEqual(new Uint8Array([4]))
  })

  it('peerConversations: the old conversations-by-peer map is read; new entries are one record each', async () => {
    const store = await memoryStore()
    const a = account().address
    const b = account().address
    const old = newConversationId()
    await store.settings.put(LEGACY_SETTING.conversationsByPeer, { [a]: old })
    expect(await store.peerConversations.get(a)).toBe(old)
    const fresh = newConversationId()
    await store.peerConversations.put(b, fresh)
    expect(await store.peerConversations.get(b)).toBe(fresh)
    expect(await store.settings.get(LEGACY_SETTING.conversationsByPeer)).toEqual({ [a]: old })
  })

  it('preferences: last-active and read receipts fall back to the old settings', async () => {
    const store = await memoryStore()
    expect(await store.preferences.readReceipts()).toBe(true)
    expect(await store.preferences.lastActive()).toBeUndefined()
    await store.settings.put(LEGACY_SETTING.readReceipts, false)
    await store.settings.put(LEGACY_SETTING.lastActive, 1234)
    expect(await store.preferences.readReceipts()).toBe(false)
    expect(await store.preferences.lastActive()).toBe(1234)
    await store.preferences.setReadReceipts(true)
    expect(await store.preferences.readReceipts()).toBe(true)
    expect(await store.settings.get(LEGACY_SETTING.readReceipts)).toBeUndefined()
  })

  it('outbox entries: a typed target, or the string target older versions stored', () => {
    const entry = (targets: string[], target?: OutboxEntry['target']): OutboxEntry =>
      ({ id: 'x', envelope: new Uint8Array(1), targets, ...(target != null ? { target } : {}), attempts: 0, nextAttemptAt: 0, createdAt: 0, messageId: null, lastError: null })
    expect(targetOf(entry(['any|addr|abcd']))).toEqual({ kind: 'sealed', address: 'addr', deviceKey: 'abcd', directOnly: false })
    expect(targetOf(entry(['direct|addr|abcd']))).toEqual({ kind: 'sealed', address: 'addr', deviceKey: 'abcd', directOnly: true })
    expect(targetOf(entry(['pending|0123']))).toEqual({ kind: 'pending', conversationId: '0123' })
    expect(targetOf(entry([], { kind: 'pending', conversationId: 'c' }))).toEqual({ kind: 'pending', conversationId: 'c' })
  })
})
