import { describe, expect, it } from 'vitest'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import {
  ACCOUNT_RECORD_VERSION, encodeFleetId, fleetDhtKey, FLEET_RECORD_VERSION, MAX_FLEET_RECORD_BYTES, operatorKeyFromDhtKey,
  fleetRecordRules, selectFleetRecord, signAccountRecord, signFleetRecord, verifyAccountRecord, verifyFleetRecord, type FleetMember, type FleetRecordBody
} from '../../src/identity/index.js'
import { generateAccountKeys, generateSigningKeyPair, type SigningKeyPair } from '../../src/identity/keys.js'
import { ParleyRecords } from '../../src/net/parley-records.js'
import { FleetRecordBody as BodyCodec, SignedFleetRecord } from '../../src/wire/fleet.js'

/** The DHT's rules for the `parley` namespace, fleet rules given statically (as in Node). */
const dhtRules = new ParleyRecords(async () => fleetRecordRules)

const DAY = 86_400_000

async function member (port: number): Promise<FleetMember> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { peerId: peerId.toMultihash().bytes, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`).bytes] }
}

async function body (operator: SigningKeyPair, init: Partial<FleetRecordBody> = {}): Promise<FleetRecordBody> {
  const now = Date.now()
  return {
    version: FLEET_RECORD_VERSION,
    operatorKey: operator.publicKey,
    sequence: BigInt(now),
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + 30 * DAY),
    members: [await member(4001), await member(4002), await member(4003)],
    ...init
  }
}

const code = (c: string): unknown => expect.objectContaining({ code: c })

describe('fleet records', () => {
  it('verify when signed by the operator key, under the DHT key of that key', async () => {
    const op = generateSigningKeyPair()
    const bytes = signFleetRecord(await body(op), op)
    const record = verifyFleetRecord(bytes, { operatorKey: op.publicKey })
    expect(record.fleetId).toBe(encodeFleetId(op.publicKey))
    expect(record.body.members).toHaveLength(3)
    await expect(dhtRules.validator(fleetDhtKey(op.publicKey), bytes)).resolves.toBeUndefined()
    expect(operatorKeyFromDhtKey(fleetDhtKey(op.publicKey))).toEqual(op.publicKey)
  })

  it('refuse a bad signature', async () => {
    const op = generateSigningKeyPair()
    const signed = SignedFleetRecord.decode(signFleetRecord(await body(op), op))
    signed.signature[7] ^= 1
    expect(() => verifyFleetRecord(SignedFleetRecord.encode(signed))).toThrow(code('ERR_BAD_RECORD_SIGNATURE'))
  })

  it('refuse a member the operator did not sign: a relay cannot add itself to a signed record', async () => {
    const op = generateSigningKeyPair()
    const signed = SignedFleetRecord.decode(signFleetRecord(await body(op), op))
    const altered = BodyCodec.decode(signed.body)
    altered.members.push(await member(4004))
    const forged = SignedFleetRecord.encode({ body: BodyCodec.encode(altered), signature: signed.signature })
    expect(() => verifyFleetRecord(forged)).toThrow(code('ERR_BAD_RECORD_SIGNATURE'))
    await expect(dhtRules.validator(fleetDhtKey(op.publicKey), forged)).rejects.toThrow(code('ERR_BAD_RECORD_SIGNATURE'))
  })

  it('refuse a record its own key signed but stored under another fleet (an operator cannot speak for another fleet)', async () => {
    const victim = generateSigningKeyPair()
    const attacker = generateSigningKeyPair()
    const bytes = signFleetRecord(await body(attacker), attacker)
    await expect(dhtRules.validator(fleetDhtKey(victim.publicKey), bytes)).rejects.toThrow(code('ERR_RECORD_KEY_MISMATCH'))
    expect(() => verifyFleetRecord(bytes, { operatorKey: victim.publicKey })).toThrow(code('ERR_RECORD_KEY_MISMATCH'))
    // nor sign a body naming the victim's key
    const victimBody = await body(victim)
    expect(() => signFleetRecord(victimBody, attacker)).toThrow(code('ERR_RECORD_KEY_MISMATCH'))
  })

  it('refuse an expired record', async () => {
    const op = generateSigningKeyPair()
    const now = Date.now()
    const bytes = signFleetRecord(await body(op, { issuedAt: BigInt(now - 2 * DAY), expiresAt: BigInt(now - 1) }), op)
    expect(() => verifyFleetRecord(bytes)).toThrow(code('ERR_RECORD_EXPIRED'))
    await expect(dhtRules.validator(fleetDhtKey(op.publicKey), bytes)).rejects.toThrow(code('ERR_RECORD_EXPIRED'))
    expect(verifyFleetRecord(bytes, { now: now - DAY }).fleetId).toBe(encodeFleetId(op.publicKey))
  })

  it('refuse an oversize record before decoding it, and too many members or addresses', async () => {
    const op = generateSigningKeyPair()
    expect(() => verifyFleetRecord(new Uint8Array(MAX_FLEET_RECORD_BYTES + 1))).toThrow(code('ERR_RECORD_TOO_LARGE'))
    // 40 members of 8 long addresses: over 16 KiB, refused at signing
    const big = await body(op, { members: await Promise.all(Array.from({ length: 40 }, async (_, i) => ({ ...(await member(5000 + i)), multiaddrs: Array.from({ length: 8 }, () => randomBytes(100)) }))) })
    expect(() => signFleetRecord(big, op)).toThrow(code('ERR_RECORD_TOO_LARGE'))
    // a hand-made body over the member limit does not decode
    const many = await body(op)
    many.members = Array.from({ length: 65 }, (_, i) => ({ peerId: Uint8Array.of(1, i), multiaddrs: [Uint8Array.of(4)] }))
    const forged = SignedFleetRecord.encode({ body: BodyCodec.encode(many), signature: new Uint8Array(64) })
    expect(() => verifyFleetRecord(forged)).toThrow(code('ERR_MALFORMED_RECORD'))
  })

  it('refuse malformed bodies: no members, a member twice, no address, a lifetime over 400 days, another version', async () => {
    const op = generateSigningKeyPair()
    const m = await member(4001)
    const now = Date.now()
    for (const init of [
      { members: [] },
      { members: [m, m] },
      { members: [{ ...m, multiaddrs: [] }] },
      { expiresAt: BigInt(now + 401 * DAY) },
      { expiresAt: BigInt(now - 1), issuedAt: BigInt(now) }
    ]) {
      const base: FleetRecordBody = { version: 1, operatorKey: op.publicKey, sequence: 1n, issuedAt: BigInt(now), expiresAt: BigInt(now + DAY), members: [m] }
      expect(() => signFleetRecord({ ...base, ...init }, op)).toThrow(code('ERR_MALFORMED_RECORD'))
    }
    const bodyBytes = BodyCodec.encode({ ...(await body(op)), version: 2 })
    const signature = ed25519.sign(new Uint8Array([...new TextEncoder().encode('parley/fleet-record/v1'), ...bodyBytes]), op.secretKey)
    expect(() => verifyFleetRecord(SignedFleetRecord.encode({ body: bodyBytes, signature }))).toThrow(code('ERR_RECORD_VERSION'))
    expect(() => verifyFleetRecord(Uint8Array.of(0x0a, 0xff))).toThrow(code('ERR_MALFORMED_RECORD'))
  })

  it('select the highest sequence (the DHT selector dispatches on the key)', async () => {
    const op = generateSigningKeyPair()
    const older = signFleetRecord(await body(op, { sequence: 5n }), op)
    const newer = signFleetRecord(await body(op, { sequence: 6n }), op)
    expect(selectFleetRecord([older, newer])).toBe(1)
    expect(selectFleetRecord([newer, older])).toBe(0)
    expect(await dhtRules.selector(fleetDhtKey(op.publicKey), [older, newer])).toBe(1)
  })
})

describe('account records naming fleets', () => {
  it('carry up to 4 fleets by operator key, and refuse a fleet key that is not 32 bytes', () => {
    const { account } = generateAccountKeys()
    const now = Date.now()
    const base = { version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: 1n, issuedAt: BigInt(now), expiresAt: BigInt(now + DAY), inactivityDays: 90, devices: [], relays: [], deleted: false }
    const fleet = generateSigningKeyPair().publicKey
    expect(verifyAccountRecord(signAccountRecord({ ...base, fleets: [fleet] }, account)).body.fleets).toEqual([fleet])
    // older records (no field) read as naming none
    expect(verifyAccountRecord(signAccountRecord(base, account)).body.fleets).toEqual([])
    expect(() => verifyAccountRecord(signAccountRecord({ ...base, fleets: [fleet.subarray(0, 31)] }, account))).toThrow(code('ERR_MALFORMED_RECORD'))
    expect(() => verifyAccountRecord(signAccountRecord({ ...base, fleets: Array.from({ length: 5 }, () => fleet) }, account))).toThrow(code('ERR_MALFORMED_RECORD'))
  })
})
