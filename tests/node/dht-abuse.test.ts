import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { Libp2pRecord } from '@libp2p/record'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import { join } from 'node:path'
import { toString as toText } from 'uint8arrays/to-string'
import { afterEach, describe, expect, it } from 'vitest'
import { accountDhtKey, verifyAccountRecord } from '../../src/identity/account-record.js'
import { decodeAddress } from '../../src/identity/address.js'
import { DHT_RECORD_PREFIX } from '../../src/net/dht-record-store.js'
import { DHT_PROTOCOL } from '../../src/p2p/index.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import type { Relay } from '../../src/relay/relay.js'
import { startClient, startTestRelay } from '../relay/helpers.js'
import { routingTableSize, startNetwork, startTestNode, tempDir, waitFor, type TestNetwork } from '../helpers/network.js'
import { floodRecord, rawPut } from './dht-attack-helpers.js'

/** The sequence of the account record a node holds for `key` in its DHT share, or undefined. */
async function heldSequence (node: ParleyNode, key: Uint8Array): Promise<bigint | undefined> {
  const dsKey = new Key(`${DHT_RECORD_PREFIX}${toText(key, 'base32')}`, false)
  const records = node.libp2p.services.dhtRecords
  if (!(await records.has(dsKey))) return undefined
  return verifyAccountRecord(Libp2pRecord.deserialize(await records.get(dsKey)).value, { now: 0 }).body.sequence
}

/** Keys under `/dht` in the user's encrypted store (where other people's records must never go). */
async function dhtKeysInUserStore (node: ParleyNode): Promise<number> {
  let n = 0
  for await (const _ of node.store.datastore.queryKeys({ prefix: '/dht' })) n++
  return n
}

const stops: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

/** Generous PUT rates, so that tests of the caps measure the caps. */
const NO_RATE_LIMIT = { putRate: { perSecond: 1000, burst: 1000 }, putRatePerAddress: { perSecond: 1000, burst: 1000 } }

describe('DHT account records: rollback', () => {
  it('servers refuse a captured older record re-PUT directly at them and keep the newer one', async () => {
    const net: TestNetwork = await startNetwork(3)
    stops.push(async () => { await net.stop() })
    const victim = net.nodes[1]
    const older = await victim.signAccountRecord()
    const newer = await victim.signAccountRecord()
    await victim.directory.publish(newer, { signal: AbortSignal.timeout(20_000) })
    const key = accountDhtKey(decodeAddress(victim.address))
    const newerSeq = verifyAccountRecord(newer).body.sequence
    const servers = [net.nodes[0], net.nodes[2]]
    await waitFor(async () => (await Promise.all(servers.map(async (s) => heldSequence(s, key)))).every((seq) => seq === newerSeq), 20_000, 'servers to hold the newer record')

    const attacker = await startClient()
    stops.push(async () => { await attacker.stop() })
    for (const server of servers) {
      expect(await rawPut(attacker, server.multiaddrs[0], key, older)).toBe(false)
      expect(await heldSequence(server, key)).toBe(newerSeq)
    }
    const found = await net.nodes[2].lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(found.body.sequence).toBe(newerSeq)
  })

  it('a reader that saw a newer record keeps it after a restart, when the DHT only offers the older one', async () => {
    const dir = await tempDir('parley-floor-')
    stops.push(dir.cleanup)
    const victim = await startTestNode(join(dir.path, 'victim'))
    stops.push(async () => { await victim.stop() })
    const readerHome = join(dir.path, 'reader')
    let reader = await startTestNode(readerHome, { bootstrap: [victim.multiaddrs[0].toString()] })
    await waitFor(() => routingTableSize(reader) >= 1, 20_000, 'reader table')
    const older = await victim.signAccountRecord()
    const newer = await victim.signAccountRecord()
    const newerSeq = verifyAccountRecord(newer).body.sequence
    await victim.directory.publish(newer, { signal: AbortSignal.timeout(20_000) })
    expect((await reader.lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })).body.sequence).toBe(newerSeq)
    await reader.stop()
    await victim.stop()

    // the only DHT server the restarted reader reaches is the attacker's, which serves the older record
    const attackerStore = new MemoryDatastore()
    const attacker: Libp2p = await createLibp2p({
      datastore: attackerStore,
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
    stops.push(async () => { await attacker.stop() })
    const key = accountDhtKey(decodeAddress(victim.address))
    await attackerStore.put(new Key(`${DHT_RECORD_PREFIX}${toText(key, 'base32')}`, false), new Libp2pRecord(key, older, new Date()).serialize())

    reader = await startTestNode(readerHome, { bootstrap: [attacker.getMultiaddrs()[0].toString()] })
    stops.push(async () => { await reader.stop() })
    await waitFor(() => routingTableSize(reader) >= 1, 20_000, 'restarted reader table')
    const again = await reader.lookupAccount(victim.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(again.body.sequence).toBe(newerSeq)
  })
})

describe('DHT account records: floods', () => {
  it('a relay holds at most one address’s share of a record flood, and counts the refusals', async () => {
    const dir = await tempDir('parley-dht-relay-')
    stops.push(dir.cleanup)
    const recordBytes = 20 * 1024
    const relay: Relay = await startTestRelay(join(dir.path, 'relay'), {
      limits: {
        addressLimitExempt: [],
        dhtMaxRecords: 100,
        dhtMaxRecordBytes: 10 * 1024 * 1024,
        dhtMaxRecordsPerAddress: 100,
        dhtMaxRecordBytesPerAddress: 150 * 1024,
        dhtPutRate: { perSecond: 1000, burst: 1000 },
        dhtPutRatePerAddress: { perSecond: 1000, burst: 1000 }
      }
    })
    stops.push(async () => { await relay.stop() })
    const flooder = await startClient()
    stops.push(async () => { await flooder.stop() })
    let stored = 0
    for (let i = 0; i < 30; i++) {
      const { key, value } = floodRecord(recordBytes)
      if (await rawPut(flooder, relay.multiaddrs[0], key, value)) stored++
    }
    const records = relay.libp2p.services.dhtRecords
    expect(stored).toBe(records.recordCount)
    expect(records.recordBytes).toBeLessThanOrEqual(150 * 1024)
    expect(stored).toBeGreaterThan(0)
    expect(stored).toBeLessThan(30)
    expect(relay.metrics.get('parley_relay_dht_refusals_total', { reason: 'address_full' })).toBe(30 - stored)
    expect(relay.metrics.render()).toContain(`parley_relay_dht_records ${stored}`)
  })

  it('a relay rate-limits PUT_VALUE per PeerId and per address across throwaway PeerIds', async () => {
    const dir = await tempDir('parley-dht-rate-')
    stops.push(dir.cleanup)
    const relay: Relay = await startTestRelay(join(dir.path, 'relay'), {
      limits: {
        addressLimitExempt: [],
        dhtPutRate: { perSecond: 0.001, burst: 3 },
        dhtPutRatePerAddress: { perSecond: 0.001, burst: 5 }
      }
    })
    stops.push(async () => { await relay.stop() })
    const outcomes: boolean[][] = []
    for (const count of [5, 3]) {
      const throwaway = await startClient()
      stops.push(async () => { await throwaway.stop() })
      const mine: boolean[] = []
      for (let i = 0; i < count; i++) {
        const { key, value } = floodRecord(512)
        mine.push(await rawPut(throwaway, relay.multiaddrs[0], key, value))
      }
      outcomes.push(mine)
    }
    expect(outcomes).toEqual([[true, true, true, false, false], [true, true, false]])
    expect(relay.metrics.get('parley_relay_dht_refusals_total', { reason: 'rate_limited_peer' })).toBe(2)
    expect(relay.metrics.get('parley_relay_dht_refusals_total', { reason: 'rate_limited_address' })).toBe(1)
    expect(relay.libp2p.services.dhtRecords.recordCount).toBe(5)
  })

  it('a daemon keeps a record flood in a capped in-memory store, never in the user’s encrypted store', async () => {
    const dir = await tempDir('parley-dht-daemon-')
    stops.push(dir.cleanup)
    const node = await startTestNode(join(dir.path, 'home'), {
      dhtRecordLimits: { ...NO_RATE_LIMIT, maxRecords: 12, maxRecordsPerAddress: 1000, maxRecordBytesPerAddress: 64 * 1024 * 1024 }
    })
    stops.push(async () => { await node.stop() })
    // its own record goes through the same datastore path as everyone's (no DHT peers: the local write is what counts)
    await node.publishAccountRecord({ signal: AbortSignal.timeout(1000) }).catch(() => {})
    const flooder = await startClient()
    stops.push(async () => { await flooder.stop() })
    let stored = 0
    for (let i = 0; i < 40; i++) {
      const { key, value } = floodRecord(20 * 1024)
      if (await rawPut(flooder, node.multiaddrs[0], key, value)) stored++
    }
    expect(stored).toBe(12)
    expect(node.libp2p.services.dhtRecords.recordCount).toBe(12)
    expect(await heldSequence(node, accountDhtKey(decodeAddress(node.address)))).toBeDefined()
    expect(await dhtKeysInUserStore(node)).toBe(0)
  })

  it('records past their expiry are pruned on a timer', async () => {
    const dir = await tempDir('parley-dht-prune-')
    stops.push(dir.cleanup)
    const node = await startTestNode(join(dir.path, 'home'), { dhtRecordLimits: { ...NO_RATE_LIMIT, pruneIntervalMs: 100 } })
    stops.push(async () => { await node.stop() })
    const client = await startClient()
    stops.push(async () => { await client.stop() })
    const { key, value } = floodRecord(512, 1500)
    expect(await rawPut(client, node.multiaddrs[0], key, value)).toBe(true)
    expect(await heldSequence(node, key)).toBeDefined()
    await waitFor(async () => (await heldSequence(node, key)) === undefined, 10_000, 'the expired record to be pruned')
    expect(node.libp2p.services.dhtRecords.recordCount).toBe(0)
  })
})
