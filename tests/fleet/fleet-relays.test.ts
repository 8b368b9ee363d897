import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { FLEET_RECORD_VERSION, generateSigningKeyPair, signFleetRecord, verifyFleetRecord, type VerifiedFleetRecord } from '../../src/identity/index.js'
import { FleetDirectory } from '../../src/net/fleet-directory.js'
import { FleetRelays, fleetRefOf, memberAddresses, parseFleetRef } from '../../src/net/fleet-relays.js'
import type { RecordFloor } from '../../src/net/account-directory.js'

const DAY = 86_400_000
const code = (c: string): unknown => expect.objectContaining({ code: c })

async function fleet (count = 3, sequence = 1n, operator = generateSigningKeyPair()): Promise<{ record: VerifiedFleetRecord, ref: string, peers: string[], operator: ReturnType<typeof generateSigningKeyPair> }> {
  const peers = await Promise.all(Array.from({ length: count }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  const now = Date.now()
  const bytes = signFleetRecord({
    version: FLEET_RECORD_VERSION,
    operatorKey: operator.publicKey,
    sequence,
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + DAY),
    members: peers.map((p, i) => ({ peerId: p.toMultihash().bytes, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${4000 + i}`).bytes] }))
  }, operator)
  return { record: verifyFleetRecord(bytes), ref: fleetRefOf(operator.publicKey), peers: peers.map(String), operator }
}

/** The PeerId a member multiaddr ends with. */
const idOf = (addr: string): string => addr.slice(addr.lastIndexOf('/p2p/') + 5)

describe('choosing a fleet member', () => {
  it('orders members by mailbox (the same for senders and owner), connected ones first, failed ones last', async () => {
    const { record, ref, peers } = await fleet(4)
    const relays = new FleetRelays({ directory: { lookup: async () => record } })
    const key = randomBytes(32)
    const order = (await relays.members(ref, key)).map(idOf)
    expect(order).toEqual((await new FleetRelays({ directory: { lookup: async () => record } }).members(ref, key)).map(idOf))
    expect([...order].sort()).toEqual([...peers].sort())
    // mailboxes spread over the fleet: over 64 mailboxes every member comes first at least once
    const firsts = new Set<string>()
    for (let i = 0; i < 64; i++) firsts.add(idOf((await relays.members(ref, randomBytes(32)))[0]))
    expect(firsts.size).toBe(4)
    // a connected member goes first
    const connected = new FleetRelays({ directory: { lookup: async () => record }, isConnected: (id) => id === order[2] })
    expect(idOf((await connected.members(ref, key))[0])).toBe(order[2])
    // a member that failed goes last for a while
    const now = { t: 1_000_000 }
    const failing = new FleetRelays({ directory: { lookup: async () => record }, now: () => now.t, downMs: 30_000 })
    failing.markDown((await failing.members(ref, key))[0])
    expect((await failing.members(ref, key)).map(idOf)).toEqual([...order.slice(1), order[0]])
    now.t += 30_001
    expect((await failing.members(ref, key)).map(idOf)).toEqual(order)
  })

  it('fails over: a request goes to the next member when one fails, and the failure is remembered', async () => {
    const { record, ref } = await fleet(3)
    const relays = new FleetRelays({ directory: { lookup: async () => record } })
    const key = randomBytes(32)
    const order = await relays.members(ref, key)
    const tried: string[] = []
    const result = await relays.withMember(ref, key, async (member) => {
      tried.push(member)
      if (member === order[0]) throw new ParleyError('connection refused', 'ERR_UNREACHABLE')
      return member
    })
    expect(result).toBe(order[1])
    expect(tried).toEqual([order[0], order[1]])
    expect((await relays.members(ref, key))[2]).toBe(order[0])
    // a plain relay is used as it is
    expect(await relays.withMember('/ip4/127.0.0.1/tcp/1/p2p/x', key, async (m) => m)).toBe('/ip4/127.0.0.1/tcp/1/p2p/x')
  })

  it('gives up with the last member\'s typed error, or ERR_FLEET_UNAVAILABLE; stops at once when aborted', async () => {
    const { record, ref } = await fleet(2)
    const relays = new FleetRelays({ directory: { lookup: async () => record } })
    await expect(relays.withMember(ref, randomBytes(32), async () => { throw new ParleyError('full', 'ERR_STORAGE_FULL') })).rejects.toThrow(code('ERR_STORAGE_FULL'))
    await expect(relays.withMember(ref, randomBytes(32), async () => { throw new Error('boom') })).rejects.toThrow(code('ERR_FLEET_UNAVAILABLE'))
    const controller = new AbortController()
    let calls = 0
    await expect(relays.withMember(ref, randomBytes(32), async () => { calls++; controller.abort(); throw new Error('aborted') }, { signal: controller.signal })).rejects.toThrow()
    expect(calls).toBe(1)
  })

  it('tries at most 4 members per request', async () => {
    const { record, ref } = await fleet(10)
    const relays = new FleetRelays({ directory: { lookup: async () => record } })
    let calls = 0
    await expect(relays.withMember(ref, randomBytes(32), async () => { calls++; throw new Error('down') })).rejects.toThrow(code('ERR_FLEET_UNAVAILABLE'))
    expect(calls).toBe(4)
    expect(await relays.expand([ref, '/ip4/127.0.0.1/tcp/1/p2p/x'], randomBytes(32))).toHaveLength(5)
  })

  it('parses fleet refs and links; skips member addresses naming another peer', async () => {
    const { record, ref, peers } = await fleet(2)
    expect(parseFleetRef(ref).fleetId).toBe(record.fleetId)
    expect(parseFleetRef(`${ref}@/ip4/127.0.0.1/tcp/4000/p2p/${peers[0]}`).bootstrap).toBe(`/ip4/127.0.0.1/tcp/4000/p2p/${peers[0]}`)
    expect(() => parseFleetRef('fleet:notAnId')).toThrow(code('ERR_INVALID_ADDRESS'))
    expect(() => parseFleetRef(`${ref}@not-a-multiaddr`)).toThrow(code('ERR_INVALID_RELAY'))
    const body = { ...record.body, members: record.body.members.map((m, i) => i === 0 ? { ...m, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${peers[1]}`).bytes] } : m) }
    expect(memberAddresses(body).map((m) => m.peerId)).toEqual([peers[1]])
  })
})

describe('the fleet directory never goes back', () => {
  it('refuses an older record than the one held, also after a restart (the floor in the store)', async () => {
    const operator = generateSigningKeyPair()
    const older = await fleet(2, 5n, operator)
    const newer = await fleet(3, 6n, operator)
    const saved = new Map<string, Uint8Array>()
    const floor: RecordFloor = { load: async (k) => saved.get(k), save: async (k, v) => { saved.set(k, v) } }
    const routing = { contentRouting: { get: async () => older.record.bytes, put: async () => {} } } as unknown as ConstructorParameters<typeof FleetDirectory>[0]
    const directory = new FleetDirectory(routing, { floor })
    await directory.accept(newer.record.bytes)
    await expect(directory.accept(older.record.bytes)).rejects.toThrow(code('ERR_RECORD_ROLLBACK'))
    // a restarted device (empty cache) still refuses it, and a DHT serving it gets our newer one back
    const restarted = new FleetDirectory(routing, { floor })
    await expect(restarted.accept(older.record.bytes)).rejects.toThrow(code('ERR_RECORD_ROLLBACK'))
    expect((await restarted.lookup(operator.publicKey, { fresh: true })).body.sequence).toBe(6n)
    // a record of another fleet is refused for this one
    const other = await fleet(1)
    await expect(restarted.accept(other.record.bytes, operator.publicKey)).rejects.toThrow(code('ERR_RECORD_KEY_MISMATCH'))
  })
})
