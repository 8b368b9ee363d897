import { describe, expect, it } from 'vitest'
import { ErrorCode, isOutOfStepError, isPermanentDeliveryError, isPermanentReceiveError } from '../../../src/errors.js'
import { noteDeviceKeys } from '../../../src/messenger/contacts/key-changes.js'
import { deviceFingerprint } from '../../../src/messenger/contacts/invite.js'
import { checkTtl, clampTtl } from '../../../src/messenger/conversations/timers.js'
import { MAX_TTL_MS, MIN_TTL_MS } from '../../../src/messenger/constants.js'
import { DELIVERY_RANK } from '../../../src/messenger/conversations/message-body.js'
import type { Contact } from '../../../src/store/index.js'
import { NOW, account, device, memoryStore, recordOf } from './stubs.js'

function contact (address: string, change: Partial<Contact> = {}): Contact {
  return { accountId: address, name: 'c', identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: NOW, ...change }
}

describe('key changes', () => {
  it('the first record only records the fingerprint', async () => {
    const store = await memoryStore()
    const { address } = account()
    await store.contacts.put(contact(address))
    const record = recordOf(address, [device()])
    expect(await noteDeviceKeys(store, address, record, NOW)).toBeUndefined()
    expect((await store.contacts.get(address))?.identityKey).toEqual(deviceFingerprint(record.body.devices))
  })

  it('a verified contact whose keys change raises an event and becomes changed, never silently accepted', async () => {
    const store = await memoryStore()
    const { address } = account()
    const old = new Uint8Array(32).fill(9)
    await store.contacts.put(contact(address, { identityKey: old, verification: 'verified' }))
    const event = await noteDeviceKeys(store, address, recordOf(address, [device()]), NOW)
    expect(event).toEqual({ kind: 'emit', type: 'contact-key-changed', detail: { address, wasVerified: true } })
    const after = await store.contacts.get(address)
    expect(after?.verification).toBe('changed')
    expect(after?.keyHistory).toEqual([{ key: old, replacedAt: NOW }])
  })

  it('an unverified contact whose keys change raises an event too, and stays unverified', async () => {
    const store = await memoryStore()
    const { address } = account()
    await store.contacts.put(contact(address, { identityKey: new Uint8Array(32).fill(1) }))
    const event = await noteDeviceKeys(store, address, recordOf(address, [device()]), NOW)
    expect(event).toEqual({ kind: 'emit', type: 'contact-key-changed', detail: { address, wasVerified: false } })
    expect((await store.contacts.get(address))?.verification).toBe('unverified')
  })

  it('the same keys change nothing; an unknown account is left alone', async () => {
    const store = await memoryStore()
    const { address } = account()
    const record = recordOf(address, [device()])
    await store.contacts.put(contact(address, { identityKey: deviceFingerprint(record.body.devices), verification: 'verified' }))
    expect(await noteDeviceKeys(store, address, record, NOW)).toBeUndefined()
    expect((await store.contacts.get(address))?.verification).toBe('verified')
    const stranger = account().address
    expect(await noteDeviceKeys(store, stranger, recordOf(stranger, [device()]), NOW)).toBeUndefined()
    expect(await store.contacts.get(stranger)).toBeUndefined()
  })

  it('a deletion tombstone removes the contact', async () => {
    const store = await memoryStore()
    const { address } = account()
    await store.contacts.put(contact(address))
    const event = await noteDeviceKeys(store, address, recordOf(address, [], true), NOW)
    expect(event).toEqual({ kind: 'emit', type: 'contact-removed', detail: { address, reason: 'account-deleted' } })
    expect(await store.contacts.get(address)).toBeUndefined()
  })
})

describe('timer bounds', () => {
  it('a timer set here must be whole milliseconds from 1 second to 4 weeks', () => {
    expect(() => { checkTtl(MIN_TTL_MS) }).not.toThrow()
    expect(() => { checkTtl(MAX_TTL_MS) }).not.toThrow()
    for (const bad of [0, MIN_TTL_MS - 1, MAX_TTL_MS + 1, 1500.5, Number.NaN]) {
      expect(() => { checkTtl(bad) }).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }))
    }
  })

  it('a timer received from a peer is clamped, never refused', () => {
    expect(clampTtl(1)).toBe(MIN_TTL_MS)
    expect(clampTtl(MAX_TTL_MS * 10)).toBe(MAX_TTL_MS)
    expect(clampTtl(0)).toBeNull()
    expect(clampTtl(-5)).toBeNull()
  })
})

describe('delivery ranks and error decisions', () => {
  it('delivery states only move up: queued < sent = stored < delivered < read', () => {
    expect(DELIVERY_RANK.queued).toBeLessThan(DELIVERY_RANK.sent)
    expect(DELIVERY_RANK.sent).toBe(DELIVERY_RANK.stored)
    expect(DELIVERY_RANK.stored).toBeLessThan(DELIVERY_RANK.delivered)
    expect(DELIVERY_RANK.delivered).toBeLessThan(DELIVERY_RANK.read)
  })

  it('permanent delivery, permanent receive and out-of-step codes are decided in one place', () => {
    expect(isPermanentDeliveryError(ErrorCode.SESSION_RESET)).toBe(true)
    expect(isPermanentDeliveryError(ErrorCode.ACCOUNT_DELETED)).toBe(true)
    expect(isPermanentDeliveryError(ErrorCode.UNREACHABLE)).toBe(false)
    expect(isPermanentDeliveryError(undefined)).toBe(false)
    expect(isPermanentReceiveError(ErrorCode.REPLAY)).toBe(true)
    expect(isPermanentReceiveError(ErrorCode.ACCOUNT_NOT_FOUND)).toBe(false)
    expect(isOutOfStepError(ErrorCode.DECRYPT)).toBe(true)
    expect(isOutOfStepError(ErrorCode.REPLAY)).toBe(false)
  })
})
