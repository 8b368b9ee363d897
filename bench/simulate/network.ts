/**
 * The simulated network: N Parley libp2p nodes (`parleyLibp2pDefaults`: kad-dht with Parley's
 * record rules, identify, ping, Noise, yamux — the product's assembly) in this process, over
 * `@libp2p/memory` (the same code above the transport, no sockets) or TCP on 127.0.0.1.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { memory } from '@libp2p/memory'
import type { PrivateKey } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { parleyLibp2pDefaults, testNetwork, type ParleyLibp2p } from '../../src/p2p/index.js'
import { log, pool } from './stats.js'

export type Transport = 'memory' | 'tcp'

export interface SimNode {
  index: number
  key: PrivateKey
  libp2p: ParleyLibp2p
  live: boolean
}

let run = 0

export async function startNode (index: number, transport: Transport): Promise<SimNode> {
  const key = await generateKeyPair('Ed25519')
  const listen = transport === 'memory' ? [`/memory/sim-${process.pid}-${run}-${index}`] : ['/ip4/127.0.0.1/tcp/0']
  const options = parleyLibp2pDefaults({ privateKey: key, listen, dhtClientMode: false, webrtc: false, ...testNetwork() })
  if (transport === 'memory') options.transports = [memory()]
  const libp2p = await createLibp2p({ ...options, start: true })
  return { index, key, libp2p, live: true }
}

export async function startNetwork (n: number, transport: Transport): Promise<SimNode[]> {
  run++
  return await pool(Array.from({ length: n }, (_, i) => async () => await startNode(i, transport)), 16)
}

/** Dials up to `count` random nodes among `among` (the join's bootstrap); returns the failures. */
export async function bootstrap (node: SimNode, among: readonly SimNode[], count: number): Promise<number> {
  let failed = 0
  const others = among.filter((o) => o !== node && o.live)
  for (let k = 0; k < Math.min(count, others.length); k++) {
    const peer = others[Math.floor(Math.random() * others.length)]
    await node.libp2p.dial(peer.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) }).catch((err: unknown) => {
      failed++
      log('dial failed:', (err as Error).message)
    })
  }
  return failed
}

/** The node looks itself up (kad-dht's self-query, at once): its routing table fills. */
export async function selfLookup (node: SimNode, timeoutMs: number): Promise<boolean> {
  try {
    for await (const _ of node.libp2p.services.dht.getClosestPeers(node.libp2p.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(timeoutMs) })) { /* fills the table */ }
    return true
  } catch (err) {
    log('self-lookup failed:', (err as Error).message)
    return false
  }
}

export function routingTableSize (node: SimNode): number {
  return (node.libp2p.services.dht as unknown as { routingTable: { size: number } }).routingTable.size
}

/** Leaves the network (the process stops its node, as a device going offline). */
export async function leave (node: SimNode): Promise<void> {
  node.live = false
  await node.libp2p.stop()
}

/** Joins again (same key and address) through 3 live nodes. */
export async function rejoin (node: SimNode, all: readonly SimNode[]): Promise<void> {
  await node.libp2p.start()
  node.live = true
  await bootstrap(node, all, 3)
}
