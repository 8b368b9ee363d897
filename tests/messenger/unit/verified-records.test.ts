/**
 * The send check's memo of verified account records (issue #22): one signature check per
 * distinct stored copy, a changed copy verified afresh, a copy that fails never remembered.
 */
import { describe, expect, it } from 'vitest'
import { signAccountRecord, signDeviceEntry, type AccountRecordBody } from '../../../src/identity/account-record.js'
import { encodeAddress } from '../../../src/identity/address.js'
import { InvalidAccountRecordError } from '../../../src/identity/errors.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519, signingKeyPairFromSeed } from '../../../src/identity/keys.js'
import { VerifiedRecords } from '../../../src/messenger/directory/verified-records.js'

function account (): { address: string, sign: (changes: Partial<AccountRecordBody>) => Uint8Array } {
  const { account } = generateAccountKeys()
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, {
    peerId: peerIdBytesFromEd25519(signingKeyPairFromSeed(device.libp2pSeed).publicKey),
    deviceKey: device.device.publicKey,
    identityDhKey: device.identityDh.publicKey,
    addedAt: 0n
  }, device.device)
  const now = BigInt(Date.now())
  const body: AccountRecordBody = { version: 1, accountKey: account.publicKey, sequence: 1n, issuedAt: now, expiresAt: now + 86_400_000n, inactivityDays: 90, devices: [entry], relays: [], deleted: false, fleets: [], removedDevices: [] }
  return { address: encodeAddress(account.publicKey), sign: (changes) => signAccountRecord({ ...body, ...changes }, account) }
}

describe('verified account records (the send check)', () => {
  it('verifies a stored copy once; a changed copy (a deletion tombstone) is verified and seen at once', () => {
    const peer = account()
    const records = new VerifiedRecords()
    const first = peer.sign({})
    expect(records.verify(peer.address, first).body.deleted).toBe(false)
    // the same copy read again from the store (a new array): no second signature check
    expect(records.verify(peer.address, Uint8Array.from(first)).body.deleted).toBe(false)
    expect(records.verifications).toBe(1)
    const tombstone = peer.sign({ sequence: 2n, deleted: true, devices: [] })
    expect(records.verify(peer.address, tombstone).body.deleted).toBe(true)
    expect(records.verifications).toBe(2)
  })

  it('a copy that does not verify is refused every time, never remembered, and never served for another copy', () => {
    const peer = account()
    const other = account()
    const records = new VerifiedRecords()
    const good = peer.sign({})
    records.verify(peer.address, good)
    const forged = Uint8Array.from(good)
    forged[forged.length - 1] ^= 1 // the signature's last byte
    expect(() => records.verify(peer.address, forged)).toThrow(InvalidAccountRecordError)
    expect(() => records.verify(peer.address, forged)).toThrow(InvalidAccountRecordError)
    // another account's valid record stored under this address: refused (it names another key)
    expect(() => records.verify(peer.address, other.sign({}))).toThrow(InvalidAccountRecordError)
    expect(records.verify(peer.address, good).body.deleted).toBe(false)
  })

  it('keeps at most its size, the least recently used going first', () => {
    const records = new VerifiedRecords(2)
    const peers = [account(), account(), account()]
    const copies = peers.map((p) => p.sign({}))
    records.verify(peers[0].address, copies[0])
    records.verify(peers[1].address, copies[1])
    records.verify(peers[0].address, copies[0]) // most recently used now
    records.verify(peers[2].address, copies[2]) // evicts peers[1]
    expect(records.verifications).toBe(3)
    records.verify(peers[0].address, copies[0])
    expect(records.verifications).toBe(3)
    records.verify(peers[1].address, copies[1])
    expect(records.verifications).toBe(4)
  })
})
