import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bytes.js'
import { concatBytes } from '../../../src/bytes.js'
import {
  ACCOUNT_RECORD_VERSION, MAX_ACCOUNT_DEVICES, signAccountRecord, signDeviceEntry, verifyAccountRecord, type AccountRecordBody
} from '../../../src/identity/account-record.js'
import { decodeAddress } from '../../../src/identity/address.js'
import { generateAccountKeys } from '../../../src/identity/keys.js'
import { deviceSetChange, noteDeviceKeys } from '../../../src/messenger/contacts/key-changes.js'
import { applySync } from '../../../src/messenger/devices/apply-sync.js'
import { readDeviceMeta } from '../../../src/messenger/devices/device-meta.js'
import { applyContent } from '../../../src/messenger/receive/route.js'
import type { Store } from '../../../src/store/index.js'
import { AccountRecordBody as BodyCodec, SignedAccountRecord } from '../../../src/wire/parley.js'
import { Content, SyncUpdate } from '../../../src/wire/content.js'
import { NOW, account, device, emitted, memoryStore, recordOf } from './stubs.js'

function syncContent (action: SyncUpdate.Action, fields: Partial<SyncUpdate>, sentAt: number): Content {
  return {
    version: 1, kind: Content.Kind.SYNC, messageId: randomBytes(16), sentAt: BigInt(sentAt), clock: 1n, ttlMs: 0n, secretChatId: new Uint8Array(0),
    syncPeer: new Uint8Array(0), text: '', targetId: new Uint8Array(0), emoji: '', ids: [], receipt: Content.ReceiptType.DELIVERED, flag: false,
    secretAction: Content.SecretAction.START, directOnly: false, groupId: new Uint8Array(0), groupPayload: new Uint8Array(0), senderKey: new Uint8Array(0),
    sync: { action, subject: new Uint8Array(0), name: '', flag: false, record: new Uint8Array(0), ...fields }
  }
}

async function apply (store: Store, content: Content, senderDevice = randomBytes(32), myDevice = randomBytes(32)): ReturnType<typeof applySync> {
  return store.transaction(async (tx) => applySync({ tx, content, senderDevice, myDevice, now: NOW }))
}

/** A body listing `count` devices, each validly signed by its own device key. */
function bodyWithDevices (count: number): { body: AccountRecordBody, account: ReturnType<typeof generateAccountKeys>['account'] } {
  const { account } = generateAccountKeys()
  const devices = Array.from({ length: count }, () => {
    const secretKey = ed25519.utils.randomSecretKey()
    return signDeviceEntry(account.publicKey, { peerId: randomBytes(34), deviceKey: ed25519.getPublicKey(secretKey), identityDhKey: randomBytes(32), addedAt: 1n }, { secretKey, publicKey: ed25519.getPublicKey(secretKey) })
  })
  const now = BigInt(Date.now())
  return { account, body: { version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: now, issuedAt: now, expiresAt: now + 86_400_000n, inactivityDays: 90, devices, relays: [], deleted: false, fleets: [], removedDevices: [] } }
}

describe('at most 6 devices per account', () => {
  it('a record of 6 devices verifies; signing a seventh is refused with a typed error', () => {
    const six = bodyWithDevices(MAX_ACCOUNT_DEVICES)
    expect(verifyAccountRecord(signAccountRecord(six.body, six.account)).body.devices).toHaveLength(6)
    const seven = bodyWithDevices(MAX_ACCOUNT_DEVICES + 1)
    expect(() => signAccountRecord(seven.body, seven.account)).toThrow(expect.objectContaining({ code: 'ERR_TOO_MANY_DEVICES' }))
  })

  it('a validly signed record listing 7 devices (signed by hand) fails verification everywhere', () => {
    const { body, account } = bodyWithDevices(MAX_ACCOUNT_DEVICES + 1)
    const bodyBytes = BodyCodec.encode(body)
    const signature = ed25519.sign(concatBytes(new TextEncoder().encode('parley/account-record/v1'), bodyBytes), account.secretKey)
    const bytes = SignedAccountRecord.encode({ body: bodyBytes, signature })
    expect(() => verifyAccountRecord(bytes)).toThrow(expect.objectContaining({ code: 'ERR_TOO_MANY_DEVICES' }))
  })
})

describe('contacts see device changes, not key changes', () => {
  it('a verified contact that adds and removes devices stays verified and raises contact-devices-changed', async () => {
    const store = await memoryStore()
    const { address } = account()
    const [a, b, c] = [device(), device(), device()]
    const before = recordOf(address, [a, b])
    await store.contacts.put({ accountId: address, name: 'c', identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: NOW })
    await noteDeviceKeys(store, address, before, NOW)
    await store.contacts.put({ ...(await store.contacts.get(address))!, verification: 'verified' })
    const event = await noteDeviceKeys(store, address, recordOf(address, [a, c]), NOW, before.body.devices)
    expect(event).toEqual({ kind: 'emit', type: 'contact-devices-changed', detail: { address, added: [toHex(c.deviceKey)], removed: [toHex(b.deviceKey)] } })
    const after = await store.contacts.get(address)
    expect(after?.verification).toBe('verified')
    expect(after?.keyHistory).toEqual([])
  })

  it('a device that keeps its key but changes its DH key is still a key change', async () => {
    const a = device()
    expect(deviceSetChange([a], [{ ...a, identityDhKey: randomBytes(32) }])).toBeUndefined()
    const store = await memoryStore()
    const { address } = account()
    await store.contacts.put({ accountId: address, name: 'c', identityKey: new Uint8Array(32).fill(3), verification: 'verified', keyHistory: [], blocked: false, addedAt: NOW })
    const event = await noteDeviceKeys(store, address, recordOf(address, [{ ...a, identityDhKey: randomBytes(32) }]), NOW, [a])
    expect(event).toMatchObject({ type: 'contact-key-changed', detail: { wasVerified: true } })
    expect((await store.contacts.get(address))?.verification).toBe('changed')
  })
})

describe('sync updates between own devices', () => {
  it('a contact added, renamed, blocked and verified on another device is so here', async () => {
    const store = await memoryStore()
    const peer = account()
    let effects = await apply(store, syncContent(SyncUpdate.Action.CONTACT_ADD, { subject: peer.accountKey, name: 'Bob' }, NOW))
    expect(emitted(effects, 'contact-updated')[0]).toMatchObject({ address: peer.address, contact: { name: 'Bob', blocked: false } })
    await apply(store, syncContent(SyncUpdate.Action.CONTACT_RENAME, { subject: peer.accountKey, name: 'Robert' }, NOW + 1))
    await apply(store, syncContent(SyncUpdate.Action.CONTACT_BLOCK, { subject: peer.accountKey, flag: true }, NOW + 2))
    effects = await apply(store, syncContent(SyncUpdate.Action.CONTACT_VERIFY, { subject: peer.accountKey }, NOW + 3))
    expect(await store.contacts.get(peer.address)).toMatchObject({ name: 'Robert', blocked: true, verification: 'verified' })
    await apply(store, syncContent(SyncUpdate.Action.CONTACT_REMOVE, { subject: peer.accountKey }, NOW + 4))
    expect(await store.contacts.get(peer.address)).toBeUndefined()
  })

  it('last writer wins: 100 renames applied shuffled and twice over leave the newest, with no event for stale ones', async () => {
    const store = await memoryStore()
    const peer = account()
    await apply(store, syncContent(SyncUpdate.Action.CONTACT_ADD, { subject: peer.accountKey, name: 'start' }, NOW))
    const updates = Array.from({ length: 100 }, (_, i) => syncContent(SyncUpdate.Action.CONTACT_RENAME, { subject: peer.accountKey, name: `name ${i}` }, NOW + 10 + i))
    const shuffled = [...updates].sort(() => Math.random() - 0.5)
    for (const u of shuffled) await apply(store, u)
    expect((await store.contacts.get(peer.address))?.name).toBe('name 99')
    // a duplicate (redelivered) or an older update changes nothing and says nothing
    expect(await apply(store, updates[99])).toEqual([])
    expect(await apply(store, updates[3])).toEqual([])
    expect((await store.contacts.get(peer.address))?.name).toBe('name 99')
  })

  it('a device name syncs; an unlink names this device or another; malformed subjects are ignored', async () => {
    const store = await memoryStore()
    const me = randomBytes(32)
    const other = randomBytes(32)
    await apply(store, syncContent(SyncUpdate.Action.DEVICE_NAME, { subject: other, name: 'laptop' }, NOW), randomBytes(32), me)
    expect((await readDeviceMeta(store, toHex(other))).name).toBe('laptop')
    expect(await apply(store, syncContent(SyncUpdate.Action.DEVICE_UNLINKED, { subject: me }, NOW), randomBytes(32), me)).toEqual([{ kind: 'device-unlinked' }])
    expect(emitted(await apply(store, syncContent(SyncUpdate.Action.DEVICE_UNLINKED, { subject: other }, NOW), randomBytes(32), me), 'devices-changed')).toHaveLength(1)
    expect(await apply(store, syncContent(SyncUpdate.Action.CONTACT_ADD, { subject: randomBytes(5), name: 'x' }, NOW))).toEqual([])
    expect(await apply(store, syncContent(SyncUpdate.Action.DEVICE_UNLINKED, { subject: randomBytes(7) }, NOW), randomBytes(32), me)).toEqual([])
  })

  it('a SYNC content from another account is ignored (only own devices may sync)', async () => {
    const store = await memoryStore()
    const self = account()
    const stranger = account()
    const victim = account()
    await store.contacts.put({ accountId: victim.address, name: 'victim', identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: NOW })
    const forged = syncContent(SyncUpdate.Action.CONTACT_BLOCK, { subject: decodeAddress(victim.address), flag: true }, NOW)
    const effects = await store.transaction(async (tx) => applyContent({ tx, content: forged, sender: stranger.address, senderDevice: randomBytes(32), self: self.address, myDevice: randomBytes(32), now: NOW }))
    expect(effects).toEqual([])
    expect((await store.contacts.get(victim.address))?.blocked).toBe(false)
    // the same from this account is applied
    await store.transaction(async (tx) => applyContent({ tx, content: forged, sender: self.address, senderDevice: randomBytes(32), self: self.address, myDevice: randomBytes(32), now: NOW }))
    expect((await store.contacts.get(victim.address))?.blocked).toBe(true)
  })
})
