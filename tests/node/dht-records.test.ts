import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from '@noble/hashes/utils.js'
import { ACCOUNT_RECORD_VERSION, MAX_ACCOUNT_DEVICES, accountDhtKey, signDeviceEntry, verifyAccountRecord } from '../../src/identity/account-record.js'
import { generateAccountKeys } from '../../src/identity/keys.js'
import { decodeAddress } from '../../src/identity/address.js'
import { DHT_PROTOCOL } from '../../src/p2p/index.js'
import { AccountRecordBody, SignedAccountRecord } from '../../src/wire/parley.js'
import { startNetwork, waitFor, type TestNetwork } from '../helpers/network.js'
import { rawPut } from './dht-attack-helpers.js'

/** A libp2p node speaking our DHT protocol but validating nothing: it will try to plant forged records. */
async function startAttacker (bootstrap: string): Promise<Libp2p<{ dht: KadDHT }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 10_000 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, validators: { parley: () => {} }, selectors: { parley: () => 0 } })
    }
  })
  const { multiaddr } = await import('@multiformats/multiaddr')
  await node.dial(multiaddr(bootstrap))
  return node
}

describe('account records in the DHT under attack', () => {
  let net: TestNetwork
  let attacker: Libp2p<{ dht: KadDHT }>

  beforeAll(async () => {
    net = await startNetwork(6)
    attacker = await startAttacker(net.bootstrap)
    await waitFor(() => (attacker.services.dht as unknown as { routingTable: { size: number } }).routingTable.size >= 3, 20_000, 'attacker table')
  }, 90_000)

  afterAll(async () => {
    await attacker?.stop()
    await net?.stop()
  })

  it('honest nodes refuse a forged record (bad signature) and keep serving the real one', async () => {
    const victim = net.nodes[3]
    await victim.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })
    const real = SignedAccountRecord.decode(await victim.signAccountRecord())
    await victim.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })
    const body = AccountRecordBody.decode(real.body)
    body.sequence += 1000n
    body.devices = [] // an attacker would point the victim's contacts to its own device
    const forged = SignedAccountRecord.encode({ body: AccountRecordBody.encode(body), signature: real.signature })
    const key = accountDhtKey(decodeAddress(victim.address))
    // the attacker's put reaches honest peers, whose validator refuses it
    await attacker.contentRouting.put(key, forged, { signal: AbortSignal.timeout(20_000) }).catch(() => {})

    const reader = net.nodes[5]
    const found = await reader.lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(found.body.devices).toHaveLength(1)
    expect(found.body.sequence).toBe(AccountRecordBody.decode(real.body).sequence)
  })

  it('a record signed by another key under the victim’s DHT key is refused', async () => {
    const victim = net.nodes[2]
    await victim.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })
    const { body } = verifyAccountRecord(await victim.signAccountRecord())
    await victim.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })
    const wrongKey = ed25519.utils.randomSecretKey()
    const bodyBytes = AccountRecordBody.encode({ ...body, accountKey: ed25519.getPublicKey(wrongKey), sequence: body.sequence + 5n })
    const signature = ed25519.sign(new Uint8Array([...new TextEncoder().encode('parley/account-record/v1'), ...bodyBytes]), wrongKey)
    const forged = SignedAccountRecord.encode({ body: bodyBytes, signature })
    await attacker.contentRouting.put(accountDhtKey(decodeAddress(victim.address)), forged, { signal: AbortSignal.timeout(20_000) }).catch(() => {})
    const found = await net.nodes[4].lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(found.address).toBe(victim.address)
    expect(found.body.sequence).toBe(body.sequence)
  })

  it('honest nodes refuse a forged record adding a device, and a signed record listing more than 6 devices (issue #19)', async () => {
    const victim = net.nodes[4]
    const honest = net.nodes[1].multiaddrs[0]
    const real = SignedAccountRecord.decode(await victim.signAccountRecord())
    const key = accountDhtKey(decodeAddress(victim.address))
    expect(await rawPut(attacker, honest, key, SignedAccountRecord.encode(real))).toBe(true)
    // the attacker's own device, validly self-signed for the victim's account, slipped into the body
    const body = AccountRecordBody.decode(real.body)
    const secretKey = ed25519.utils.randomSecretKey()
    const intruder = signDeviceEntry(body.accountKey, { peerId: randomBytes(34), deviceKey: ed25519.getPublicKey(secretKey), identityDhKey: randomBytes(32), addedAt: 1n }, { secretKey, publicKey: ed25519.getPublicKey(secretKey) })
    const forged = SignedAccountRecord.encode({ body: AccountRecordBody.encode({ ...body, sequence: body.sequence + 1n, devices: [...body.devices, intruder] }), signature: real.signature })
    expect(await rawPut(attacker, honest, key, forged)).toBe(false)
    // a record its own account key signed, but listing 7 devices: refused too
    const { account } = generateAccountKeys()
    const devices = Array.from({ length: MAX_ACCOUNT_DEVICES + 1 }, () => {
      const sk = ed25519.utils.randomSecretKey()
      return signDeviceEntry(account.publicKey, { peerId: randomBytes(34), deviceKey: ed25519.getPublicKey(sk), identityDhKey: randomBytes(32), addedAt: 1n }, { secretKey: sk, publicKey: ed25519.getPublicKey(sk) })
    })
    const now = BigInt(Date.now())
    const sevenBytes = AccountRecordBody.encode({ version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: now, issuedAt: now, expiresAt: now + 86_400_000n, inactivityDays: 90, devices, relays: [], deleted: false, removedDevices: [] })
    const seven = SignedAccountRecord.encode({ body: sevenBytes, signature: ed25519.sign(new Uint8Array([...new TextEncoder().encode('parley/account-record/v1'), ...sevenBytes]), account.secretKey) })
    expect(await rawPut(attacker, honest, accountDhtKey(account.publicKey), seven)).toBe(false)
    const found = await net.nodes[1].lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(found.body.devices).toHaveLength(1)
  })

  it('an older sequence never replaces a newer record a node has seen (rollback)', async () => {
    const victim = net.nodes[1]
    const older = await victim.signAccountRecord()
    const newer = await victim.signAccountRecord()
    await victim.directory.publish(newer, { signal: AbortSignal.timeout(20_000) })
    const reader = net.nodes[5]
    const first = await reader.lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    const newerSeq = verifyAccountRecord(newer).body.sequence
    expect(first.body.sequence).toBe(newerSeq)
    // replay of the older, validly signed record into the DHT by the attacker
    await attacker.contentRouting.put(accountDhtKey(decodeAddress(victim.address)), older, { signal: AbortSignal.timeout(20_000) }).catch(() => {})
    const again = await reader.lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(again.body.sequence).toBe(newerSeq)
  })
})
