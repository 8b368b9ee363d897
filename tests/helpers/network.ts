import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openHomeNode } from '../../src/node/home.js'
import type { ParleyNode, ParleyNodeInit } from '../../src/node/parley-node.js'

/** Cheap scrypt parameters: tests only. */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 }

export const LOOPBACK_LISTEN = ['/ip4/127.0.0.1/tcp/0']
export const PASSPHRASE = 'test passphrase'

/** A temp directory removed by `cleanup()`. */
export async function tempDir (prefix = 'parley-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** Opens (creating) and starts a node on 127.0.0.1 with cheap keystore parameters. */
export async function startTestNode (home: string, init: Partial<Omit<ParleyNodeInit, 'store'>> = {}): Promise<ParleyNode> {
  const node = await openHomeNode({
    home,
    passphrase: PASSPHRASE,
    create: true,
    listen: LOOPBACK_LISTEN,
    kdf: TEST_KDF,
    manyPeersPerAddress: true,
    ...init
  })
  await node.start()
  return node
}

import { waitFor } from './wait.js'
export { waitFor }

/** Size of a node's DHT routing table. */
export function routingTableSize (node: ParleyNode): number {
  const dht = node.libp2p.services.dht as unknown as { routingTable: { size: number } }
  return dht.routingTable.size
}

export interface TestNetwork {
  nodes: ParleyNode[]
  bootstrap: string
  stop: () => Promise<void>
}

/**
 * `count` nodes: node 0 is the bootstrap; every other node knows only node 0 at start.
 * Resolves when every routing table holds at least `minTable` peers.
 */
export async function startNetwork (count: number, options: { minTable?: number, init?: (index: number) => Partial<Omit<ParleyNodeInit, 'store'>> } = {}): Promise<TestNetwork> {
  const dir = await tempDir('parley-net-')
  const nodes: ParleyNode[] = []
  const stop = async (): Promise<void> => {
    await Promise.allSettled(nodes.map(async (n) => n.stop()))
    await dir.cleanup()
  }
  try {
    const first = await startTestNode(join(dir.path, 'n0'))
    nodes.push(first)
    const bootstrap = first.multiaddrs[0].toString()
    const rest = await Promise.all(Array.from({ length: count - 1 }, async (_, i) =>
      startTestNode(join(dir.path, `n${i + 1}`), { bootstrap: [bootstrap], ...options.init?.(i + 1) })))
    nodes.push(...rest)
    const minTable = options.minTable ?? Math.min(3, count - 1)
    await waitFor(() => nodes.every((n) => routingTableSize(n) >= minTable), 30_000, 'routing tables')
    return { nodes, bootstrap, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
