import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  accountDhtKey, accountKeyFromDhtKey, selectAccountRecord, signAccountRecord, signDeviceEntry, verifyAccountRecord,
  type AccountRecordBody
} from '../../src/identity/account-record.js'
import { encodeAddress } from '../../src/identity/address.js'
import { InvalidAccountRecordError } from '../../src/identity/errors.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519, signingKeyPairFromSeed } from '../../src/identity/keys.js'
import { accountRecordSelector, accountRecordValidator } from '../../src/net/account-directory.js'
import { AccountRecordBody as BodyCodec, SignedAccountRecord } from '../../src/wire/parley.js'

function makeBody (sequence = 1n): { body: AccountRecordBody, account: ReturnType<typeof generateAccountKeys>['account'] } {
  const { account } = generateAccountKeys()
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, {
    peerId: peerIdBytesFromEd25519(signingKeyPairFromSeed(device.libp2pSeed).publicKey),
    deviceKey: device.device.publicKey,
    identityDhKey: device.identityDh.publicKey,
    addedAt: 0n
  }, device.device)
  const now = BigInt(Date.now())
  return {
    account,
    body: { version: 1, accountKey: account.publicKey, sequence, issuedAt: now, expiresAt: now + 86_400_000n, inactivityDays: 90, devices: [entry], relays: [], deleted: false, fleets: [] as Uint8Array[], removedDevices: [] as Uint8Array[] }
  }
}

describe('signed account records', () => {
  it('verifies a record signed by its account key, and the DHT validator accepts it under its key', () => {
    const { body, account } = makeBody()
    const bytes = signAccountRecord(body, account)
    const verified = verifyAccountRecord(bytes)
    expect(verified.address).toBe(encodeAddress(account.publicKey))
    expect(verified.body.inactivityDays).toBe(90)
    expect(() => { accountRecordValidator(accountDhtKey(account.publicKey), bytes) }).not.toThrow()
    expect(accountKeyFromDhtKey(accountDhtKey(account.publicKey))).toEqual(account.publicKey)
  })

  it('refuses a forged signature', () => {
    const { body, account } = makeBody()
    const signed = SignedAccountRecord.decode(signAccountRecord(body, account))
    signed.signature[5] ^= 1
    expect(() => verifyAccountRecord(SignedAccountRecord.encode(signed))).toThrow(expect.objectContaining({ code: 'ERR_BAD_RECORD_SIGNATURE' }))
  })

  it('refuses a body altered after signing', () => {
    const { body, account } = makeBody()
    const signed = SignedAccountRecord.decode(signAccountRecord(body, account))
    const altered = BodyCodec.decode(signed.body)
    altered.inactivityDays = 365
    expect(() => verifyAccountRecord(SignedAccountRecord.encode({ body: BodyCodec.encode(altered), signature: signed.signature })))
      .toThrow(InvalidAccountRecordError)
  })

  it('refuses a valid record stored under another account key (wrong key)', () => {
    const { body, account } = makeBody()
    const other = generateAccountKeys().account
    const bytes = signAccountRecord(body, account)
    expect(() => { accountRecordValidator(accountDhtKey(other.publicKey), bytes) }).toThrow(expect.objectContaining({ code: 'ERR_RECORD_KEY_MISMATCH' }))
  })

  it('refuses a record whose body names one key but is signed by another', () => {
    const { body } = makeBody()
    const attacker = generateAccountKeys().account
    const bodyBytes = BodyCodec.encode(body)
    const forged = SignedAccountRecord.encode({ body: bodyBytes, signature: new Uint8Array(64).fill(1) })
    expect(() => verifyAccountRecord(forged)).toThrow(expect.objectContaining({ code: 'ERR_BAD_RECORD_SIGNATURE' }))
    expect(() => signAccountRecord(body, attacker)).toThrow(expect.objectContaining({ code: 'ERR_RECORD_KEY_MISMATCH' }))
  })

  it('refuses a device entry not signed by its device key', () => {
    const { body, account } = makeBody()
    body.devices[0].deviceSignature = new Uint8Array(64)
    expect(() => verifyAccountRecord(signAccountRecord(body, account))).toThrow(expect.objectContaining({ code: 'ERR_BAD_DEVICE_SIGNATURE' }))
  })

  it('refuses expired, malformed and oversize records', () => {
    const { body, account } = makeBody()
    body.expiresAt = BigInt(Date.now() - 1)
    expect(() => verifyAccountRecord(signAccountRecord(body, account))).toThrow(expect.objectContaining({ code: 'ERR_RECORD_EXPIRED' }))
    expect(() => verifyAccountRecord(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_RECORD' }))
    expect(() => verifyAccountRecord(new Uint8Array(40_000))).toThrow(expect.objectContaining({ code: 'ERR_RECORD_TOO_LARGE' }))
  })

  it('the selector picks the highest sequence whatever the order', () => {
    const { body, account } = makeBody(5n)
    const older = signAccountRecord({ ...body, sequence: 4n }, account)
    const newer = signAccountRecord(body, account)
    expect(selectAccountRecord([older, newer])).toBe(1)
    expect(accountRecordSelector(new Uint8Array(), [newer, older])).toBe(0)
    expect(selectAccountRecord([new Uint8Array([1, 2]), older])).toBe(1)
  })
})

describe('golden bytes', () => {
  it('decodes the frozen v1 account record', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/account-record.v1.bin', import.meta.url)))
    const { body, address } = verifyAccountRecord(bytes, { now: 1_700_000_000_000 })
    expect(body.sequence).toBe(42n)
    expect(body.inactivityDays).toBe(180)
    expect(body.devices).toHaveLength(1)
    expect(address).toBe(encodeAddress(signingKeyPairFromSeed(new Uint8Array(32).fill(1)).publicKey))
    // re-signing the same body with the same key gives the same bytes (Ed25519 is deterministic)
    expect(signAccountRecord(body, signingKeyPairFromSeed(new Uint8Array(32).fill(1)))).toEqual(bytes)
  })
})
