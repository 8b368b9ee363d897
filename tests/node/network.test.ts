import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peerIdFromBytes } from '../../src/node/parley-node.js'
import { startNetwork, waitFor, type TestNetwork } from '../helpers/network.js'

describe('a 10-node Parley network on 127.0.0.1', () => {
  let net: TestNetwork

  /** Peers node 1 refuses to connect to, in both directions, while it plays "knows only the bootstrap". */
  const isolated = new Set<string>()

  beforeAll(async () => {
    const gater = {
      denyDialPeer: async (peer: { toString: () => string }) => isolated.has(peer.toString()),
      denyInboundEncryptedConnection: async (peer: { toString: () => string }) => isolated.has(peer.toString()),
      denyOutboundEncryptedConnection: async (peer: { toString: () => string }) => isolated.has(peer.toString())
    }
    net = await startNetwork(10, { init: (i) => (i === 1 ? { connectionGater: gater } : {}) })
  }, 90_000)

  afterAll(async () => { await net?.stop() })

  it('A finds B through the DHT (not neighbours), dials B by PeerId and gets an ack; B sees the same bytes', async () => {
    const a = net.nodes[1]
    const b = net.nodes[9]
    const bootstrap = net.nodes[0]
    // B publishes now that routing tables are full (start() already tried once)
    await b.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })

    // Make A a node that knows only the bootstrap node: drop every other connection, address
    // and routing-table entry, so both the record and B's addresses must come through the DHT.
    const dht = a.libp2p.services.dht as unknown as { routingTable: { remove: (p: unknown) => Promise<void> } }
    for (const node of net.nodes) if (!node.peerId.equals(bootstrap.peerId) && node !== a) isolated.add(node.peerId.toString())
    for (const peer of await a.libp2p.peerStore.all()) {
      if (peer.id.equals(bootstrap.peerId)) continue
      await a.libp2p.hangUp(peer.id)
      await dht.routingTable.remove(peer.id)
      await a.libp2p.peerStore.delete(peer.id)
    }
    expect(a.libp2p.getPeers().map(String)).toEqual([bootstrap.peerId.toString()])
    // a DHT response already in flight (B's publish, a routing-table refresh) can teach A about B
    // again just after the deletion (seen once in CI): delete until A's peer store is clear of B
    await waitFor(async () => {
      if (!(await a.libp2p.peerStore.has(b.peerId))) return true
      await a.libp2p.peerStore.delete(b.peerId)
      return false
    }, 5000, "A's peer store to forget B")

    const record = await a.lookupAccount(b.address, { signal: AbortSignal.timeout(20_000), fresh: true })
    expect(record.address).toBe(b.address)
    // the record came through the bootstrap node alone; now let A reach B (found by peer routing)
    isolated.delete(b.peerId.toString())
    const device = record.body.devices[0]
    expect(peerIdFromBytes(device.peerId).equals(b.peerId)).toBe(true)

    // A forgets any address the record lookup taught it for B, so the dial must use DHT peer routing
    if (a.libp2p.getConnections(b.peerId).length === 0) await a.libp2p.peerStore.delete(b.peerId)

    const payload = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff)
    const received = b.next('envelope', { signal: AbortSignal.timeout(20_000) })
    const ack = await a.sendEnvelope(device, { payload }, { signal: AbortSignal.timeout(20_000) })
    expect(ack.status).toBe('OK')
    const event = await received
    expect(new Uint8Array(event.envelope.payload)).toEqual(payload)
    expect(new Uint8Array(event.envelope.id)).toEqual(new Uint8Array(ack.id))
    expect(event.from.equals(a.peerId)).toBe(true)
    await waitFor(() => a.libp2p.getConnections(b.peerId).length > 0, 1000, 'connection')
  })

  it('sendToAccount fans out and reports per-device results', async () => {
    const a = net.nodes[2]
    const c = net.nodes[8]
    await c.publishAccountRecord({ signal: AbortSignal.timeout(20_000) })
    const results = await a.sendToAccount(c.address, { payload: new Uint8Array([1, 2, 3]) }, { signal: AbortSignal.timeout(20_000) })
    expect(results).toHaveLength(1)
    expect(results[0].ok).toBe(true)
  })
})
