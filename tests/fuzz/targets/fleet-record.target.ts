import * as fc from 'fast-check'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeFleetId, encodeFleetId, FLEET_REF_PREFIX, fleetDhtKey, fleetRecordExpiry, operatorKeyFromDhtKey, selectFleetRecord, signFleetRecord, verifyFleetRecord } from '../../../src/identity/fleet-record.js'
import { generateSigningKeyPair } from '../../../src/identity/keys.js'
import { memberAddresses, parseFleetRef } from '../../../src/net/fleet-relays.js'
import { hostileBytes, hostileText } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

const NOW = 1_700_000_000_000
const DAY = 86_400_000
const operator = generateSigningKeyPair()
const peer = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')
const goodAddr = multiaddr('/ip4/127.0.0.1/tcp/4001').bytes
const member = { peerId: peer.toMultihash().bytes, multiaddrs: [goodAddr] }
const valid = signFleetRecord({ version: 1, operatorKey: operator.publicKey, sequence: 5n, issuedAt: BigInt(NOW), expiresAt: BigInt(NOW + 30 * DAY), members: [member] }, operator)

/** Bodies the operator signs with fields of any shape: what a careless or hostile operator can publish. */
const body = fc.record({
  version: fc.constantFrom(1, 1, 1, 2),
  sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  issuedAt: fc.oneof(fc.constant(BigInt(NOW)), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  lifetime: fc.oneof(fc.integer({ min: 1, max: 500 }).map((d) => BigInt(d * DAY)), fc.bigInt({ min: -1n, max: 2n ** 63n })),
  members: fc.array(fc.record({
    peerId: fc.oneof({ weight: 3, arbitrary: fc.constant(member.peerId) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 70 }) }),
    multiaddrs: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant(goodAddr) }, { weight: 2, arbitrary: hostileBytes(fc.constant(goodAddr), 64) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) }), { maxLength: 9 })
  }), { maxLength: 4 })
})
type Body = typeof body extends fc.Arbitrary<infer T> ? T : never

function signed (b: Body): Uint8Array | undefined {
  const expiresAt = b.issuedAt + b.lifetime
  if (expiresAt < 0n || expiresAt >= 2n ** 64n) return undefined
  return typedOrResult(() => signFleetRecord({ version: b.version, operatorKey: operator.publicKey, sequence: b.sequence, issuedAt: b.issuedAt, expiresAt, members: b.members }, operator))
}

/**
 * Fleet records (RELAY.md, fleets): mutations of a real signed record, bodies the operator signs
 * with any field, fleet ids, DHT keys and `fleet:` references. Verification, selection, expiry
 * and the member addresses a client dials return or refuse with typed errors; a verified record
 * is within its limits and its members' addresses are dialable multiaddrs naming the member.
 */
export default pureTarget({
  name: 'fleet-record',
  covers: 'verifyFleetRecord, selectFleetRecord, fleetRecordExpiry, decodeFleetId, operatorKeyFromDhtKey (src/identity/fleet-record.ts), memberAddresses, parseFleetRef (src/net/fleet-relays.ts)',
  input: fc.record({
    record: fc.oneof(hostileBytes(fc.constant(valid), 1024).map((bytes) => ({ bytes })), body.map((b) => ({ body: b }))),
    ref: hostileText(fc.constantFrom(`${FLEET_REF_PREFIX}${encodeFleetId(operator.publicKey)}`, `${FLEET_REF_PREFIX}${encodeFleetId(operator.publicKey)}@/ip4/127.0.0.1/tcp/4001/p2p/${peer.toString()}`)),
    key: hostileBytes(fc.constant(fleetDhtKey(operator.publicKey)), 128)
  }),
  runs: 1000,
  run: (input) => {
    const bytes = 'bytes' in input.record ? input.record.bytes : signed(input.record.body)
    typedOrResult(() => parseFleetRef(input.ref))
    typedOrResult(() => operatorKeyFromDhtKey(input.key))
    typedOrResult(() => decodeFleetId(input.ref.slice(FLEET_REF_PREFIX.length)))
    if (bytes == null) return
    fleetRecordExpiry(bytes)
    if (selectFleetRecord([valid, bytes]) > 1) throw invalidResult('selected index out of range')
    const verified = typedOrResult(() => verifyFleetRecord(bytes, { now: NOW }))
    if (verified == null) return
    const { members, expiresAt, issuedAt } = verified.body
    if (members.length === 0 || members.length > 64 || expiresAt <= issuedAt) throw invalidResult('verified body past its limits')
    for (const m of memberAddresses(verified.body)) {
      const named = multiaddr(m.address).getComponents().filter((c) => c.name === 'p2p').map((c) => c.value)
      if (named.length !== 1 || named[0] !== m.peerId) throw invalidResult(`member address ${m.address} does not name ${m.peerId} once`)
    }
  }
})
