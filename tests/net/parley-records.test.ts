/**
 * The DHT namespace's rules with the fleet-record rules loaded on demand (`ParleyRecords`): the
 * browser loads them with its deferred chunk, so account records must never wait for them, a
 * fleet record must, and a failed load must not stick (docs/BROWSER.md, "Bundle size").
 */
import { describe, expect, it } from 'vitest'
import { defaultLogger } from '@libp2p/logger'
import { Libp2pRecord } from '@libp2p/record'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Key } from 'interface-datastore'
import { fleetDhtKey, fleetRecordRules, FLEET_RECORD_VERSION, signFleetRecord, type FleetRecordBody } from '../../src/identity/index.js'
import { generateSigningKeyPair, type SigningKeyPair } from '../../src/identity/keys.js'
import { DEVICE_DHT_RECORD_LIMITS } from '../../src/net/dht-record-limits.js'
import { DHT_RECORD_PREFIX, DhtRecordStore } from '../../src/net/dht-record-store.js'
import { ParleyRecords, type FleetRecordRules, type LoadFleetRecordRules } from '../../src/net/parley-records.js'
import { floodRecord } from '../node/dht-attack-helpers.js'

const DAY = 86_400_000
const code = (c: string): unknown => expect.objectContaining({ code: c })

async function fleetRecord (operator: SigningKeyPair, sequence: bigint): Promise<Uint8Array> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const now = Date.now()
  const body: FleetRecordBody = {
    version: FLEET_RECORD_VERSION,
    operatorKey: operator.publicKey,
    sequence,
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + 30 * DAY),
    members: [{ peerId: peerId.toMultihash().bytes, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes] }]
  }
  return signFleetRecord(body, operator)
}

/** A loader that counts its calls and can be made to fail. */
function countingLoader (fail = 0): { load: LoadFleetRecordRules, calls: () => number } {
  let calls = 0
  return {
    load: async () => {
      calls++
      if (calls <= fail) throw new Error('chunk could not be fetched')
      return fleetRecordRules satisfies FleetRecordRules
    },
    calls: () => calls
  }
}

/** The datastore key kad-dht files a record under, and the serialized kad record. */
function kadEntry (key: Uint8Array, value: Uint8Array): [Key, Uint8Array] {
  const dsKey = new Key(`${DHT_RECORD_PREFIX}${Buffer.from(key).toString('base64url')}`, false)
  return [dsKey, new Libp2pRecord(key, value, new Date()).serialize()]
}

describe('DHT record rules with fleet rules loaded on demand', () => {
  it('validate and select account records without loading the fleet rules', async () => {
    const loader = countingLoader()
    const rules = new ParleyRecords(loader.load)
    const { key, value } = floodRecord(512)
    await expect(rules.validator(key, value)).resolves.toBeUndefined()
    expect(await rules.selector(key, [value, value])).toBe(0)
    expect(rules.expiry(new TextDecoder().decode(key), value)).toBeGreaterThan(Date.now())
    expect(loader.calls()).toBe(0)
  })

  it('load the fleet rules once, on the first fleet record, and apply them', async () => {
    const loader = countingLoader()
    const rules = new ParleyRecords(loader.load)
    const op = generateSigningKeyPair()
    const older = await fleetRecord(op, 5n)
    const newer = await fleetRecord(op, 6n)
    const dhtKey = new TextDecoder().decode(fleetDhtKey(op.publicKey))
    // select and expiry answer at once, so they need the rules loaded first: a typed error, not a wrong answer
    expect(() => rules.select(dhtKey, [older, newer])).toThrow(code('ERR_FLEET_RULES_NOT_LOADED'))
    expect(() => rules.expiry(dhtKey, older)).toThrow(code('ERR_FLEET_RULES_NOT_LOADED'))
    await Promise.all([rules.validator(fleetDhtKey(op.publicKey), older), rules.validator(fleetDhtKey(op.publicKey), newer)])
    expect(await rules.selector(fleetDhtKey(op.publicKey), [older, newer])).toBe(1)
    expect(rules.select(dhtKey, [newer, older])).toBe(0)
    expect(rules.expiry(dhtKey, older)).toBeGreaterThan(Date.now())
    // another operator's record under this fleet's key is refused by the loaded rules
    const other = await fleetRecord(generateSigningKeyPair(), 7n)
    await expect(rules.validator(fleetDhtKey(op.publicKey), other)).rejects.toThrow(code('ERR_RECORD_KEY_MISMATCH'))
    expect(loader.calls()).toBe(1)
  })

  it('try the load again after a failure, and refuse the record in the meantime', async () => {
    const loader = countingLoader(1)
    const rules = new ParleyRecords(loader.load)
    const op = generateSigningKeyPair()
    const bytes = await fleetRecord(op, 1n)
    await expect(rules.validator(fleetDhtKey(op.publicKey), bytes)).rejects.toThrow('chunk could not be fetched')
    await expect(rules.validator(fleetDhtKey(op.publicKey), bytes)).resolves.toBeUndefined()
    expect(loader.calls()).toBe(2)
  })

  it('the bounded record store loads the fleet rules before a fleet write, then refuses an older sequence (rollback)', async () => {
    const loader = countingLoader()
    const store = new DhtRecordStore({ limits: DEVICE_DHT_RECORD_LIMITS, rules: new ParleyRecords(loader.load), logger: defaultLogger() })
    const account = floodRecord(512)
    await store.putFromPeer(...kadEntry(account.key, account.value), { address: '203.0.113.7' })
    expect(loader.calls()).toBe(0)
    const op = generateSigningKeyPair()
    const newer = await fleetRecord(op, 9n)
    const older = await fleetRecord(op, 8n)
    const [dsKey, serialized] = kadEntry(fleetDhtKey(op.publicKey), newer)
    await store.putFromPeer(dsKey, serialized, { address: '203.0.113.7' })
    expect(loader.calls()).toBe(1)
    expect(store.recordCount).toBe(2)
    await expect(store.putFromPeer(kadEntry(fleetDhtKey(op.publicKey), older)[0], kadEntry(fleetDhtKey(op.publicKey), older)[1], { address: '203.0.113.7' }))
      .rejects.toThrow(code('ERR_RECORD_ROLLBACK'))
    expect(await store.get(dsKey)).toEqual(serialized)
    store.stop()
  })
})
