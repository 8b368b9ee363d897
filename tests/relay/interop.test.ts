import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { relayProviderCid } from '../../src/net/relay-discovery.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { startTestRelay } from './helpers.js'

/** A stock libp2p node: no Parley code, only the DHT protocol id and the relay transport. */
async function stockNode (listen: string[] = []): Promise<Libp2p<{ identify: unknown, ping: unknown, dht: KadDHT }>> {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: '/parley/kad/1.0.0', clientMode: true, peerInfoMapper: passthroughMapper })
    }
  })
}

describe('a stock libp2p node uses the relay', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const nodes: Libp2p[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-interop-')
    relay = await startTestRelay(dir.path, { provide: { enabled: true }, maxReservations: 4 })
  })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('finds the relay through its DHT (provider of the relay key, closest peers)', async () => {
    const node = await stockNode()
    nodes.push(node)
    await node.dial(relay.multiaddrs[0])
    const dht = node.services.dht as unknown as { routingTable: { size: number } }
    await waitFor(() => dht.routingTable.size >= 1, 10_000, 'relay in the routing table')
    const cid = await relayProviderCid()
    const providers: string[] = []
    for await (const provider of node.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10_000) })) {
      providers.push(provider.id.toString())
      if (providers.length > 0) break // the first answer is enough
    }
    expect(providers).toContain(relay.peerId.toString())
    const closest: string[] = []
    for await (const event of node.services.dht.getClosestPeers(new TextEncoder().encode('/parley/some-key'), { signal: AbortSignal.timeout(10_000) })) {
      if (event.name === 'PEER_RESPONSE') closest.push(event.from.toString())
    }
    expect(closest).toContain(relay.peerId.toString())
  })

  it('reserves a circuit-relay-v2 slot and becomes reachable through /p2p-circuit', async () => {
    const relayAddr = relay.multiaddrs[0].toString()
    const listener = await stockNode([`${relayAddr}/p2p-circuit`])
    nodes.push(listener)
    await waitFor(() => listener.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 10_000, 'circuit address')
    const circuit = listener.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit'))!
    expect(circuit.toString()).toContain(relay.peerId.toString())
    expect(relay.metrics.render()).toMatch(/parley_relay_reservations 1/)

    const dialer = await stockNode()
    nodes.push(dialer)
    const connection = await dialer.dial(multiaddr(circuit.toString()), { signal: AbortSignal.timeout(10_000) })
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    expect(connection.limits).toBeDefined() // a relayed (limited) connection
  })
})
