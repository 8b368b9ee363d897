/**
 * Issue #22, item 3 (first contact): the devices' addresses are searched from the DHT lookup's
 * first valid record on, not once the lookup has settled. A 6-node Parley network on 127.0.0.1.
 */
import type { PeerId } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VerifiedAccountRecord } from '../../src/identity/account-record.js'
import { DeviceRoutes } from '../../src/net/device-routes.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { startNetwork, type TestNetwork } from '../helpers/network.js'

/** Records the peers `node`'s libp2p peer routing is asked for, in order. */
function spyFindPeer (node: ParleyNode): { asked: string[], restore: () => void } {
  const routing = node.libp2p.peerRouting
  const original = routing.findPeer.bind(routing)
  const asked: string[] = []
  routing.findPeer = async (peer: PeerId, options) => { asked.push(peer.toString()); return await original(peer, options) }
  return { asked, restore: () => { routing.findPeer = original } }
}

/** Makes `sender` a stranger to `target`: no cached record, no connection, no stored address. */
async function forget (sender: ParleyNode, target: ParleyNode): Promise<void> {
  sender.directory.invalidate(target.accountKey)
  await sender.libp2p.hangUp(target.peerId)
  await sender.libp2p.peerStore.delete(target.peerId)
}

describe('first contact: peer routing from the first record', () => {
  let net: TestNetwork
  /** Peers node 1 refuses connections with, both ways (so that none brings their addresses back). */
  const isolated = new Set<string>()

  beforeAll(async () => {
    const gater = {
      denyDialPeer: async (peer: { toString: () => string }) => isolated.has(peer.toString()),
      denyInboundEncryptedConnection: async (peer: { toString: () => string }) => isolated.has(peer.toString()),
      denyOutboundEncryptedConnection: async (peer: { toString: () => string }) => isolated.has(peer.toString())
    }
    net = await startNetwork(6, { init: (i) => (i === 1 ? { connectionGater: gater } : {}) })
    for (const node of net.nodes) await node.publishAccountRecord({ signal: AbortSignal.timeout(30_000) })
  }, 120_000)

  afterAll(async () => { await net?.stop() })

  it('the directory hands over the first verified record once, before the lookup settles', { timeout: 60_000 }, async () => {
    const [, reader, , , , target] = net.nodes
    await forget(reader, target)
    const events: string[] = []
    const firsts: VerifiedAccountRecord[] = []
    const record = await reader.directory.lookup(target.accountKey, {
      fresh: true,
      signal: AbortSignal.timeout(30_000),
      onFirstRecord: (early) => { events.push('first'); firsts.push(early) }
    })
    events.push('settled')
    expect(events).toEqual(['first', 'settled'])
    expect(firsts[0].address).toBe(target.address)
    expect(firsts[0].body.devices.map((d) => d.peerId)).toEqual(record.body.devices.map((d) => d.peerId))
  })

  it('DeviceRoutes finds an unknown device’s addresses (and ready() waits for them); a connected device and this node are not searched', { timeout: 60_000 }, async () => {
    const [, sender, other, , , target] = net.nodes
    isolated.add(target.peerId.toString())
    await forget(sender, target)
    await sender.libp2p.dial(other.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) })
    const spy = spyFindPeer(sender)
    try {
      const records = await Promise.all([target, other, sender].map(async (n) => await n.directory.lookup(n.accountKey)))
      const routes = new DeviceRoutes(sender.libp2p)
      await forget(sender, target)
      for (const r of records) routes.start(r, { signal: AbortSignal.timeout(30_000) })
      for (const r of records) for (const d of r.body.devices) await routes.ready(d)
      // only the target may have been searched (not when the DHT's background work had brought its
      // addresses back already): never the connected peer, never this node
      expect(spy.asked.filter((p) => p !== target.peerId.toString())).toEqual([])
      expect((await sender.libp2p.peerStore.get(target.peerId)).addresses.length).toBeGreaterThan(0)
    } finally {
      spy.restore()
      isolated.clear()
    }
  })

  it('sendToAccount hands the lookup its first-record hook and dials once the early search is done: one search, delivered', { timeout: 60_000 }, async () => {
    const [, sender, , , target] = net.nodes
    await forget(sender, target)
    const directory = sender.directory
    const lookup = directory.lookup.bind(directory)
    const hooks: string[] = []
    directory.lookup = async (key, options = {}) => {
      hooks.push(typeof options.onFirstRecord)
      return await lookup(key, options)
    }
    const routing = sender.libp2p.peerRouting
    const findPeer = routing.findPeer.bind(routing)
    const searches: string[] = []
    routing.findPeer = async (peer, options) => {
      searches.push(peer.toString())
      return await findPeer(peer, options)
    }
    try {
      const results = await sender.sendToAccount(target.address, { payload: new Uint8Array([1, 2, 3]) }, { signal: AbortSignal.timeout(30_000) })
      expect(results.map((r) => r.ok ? 'ok' : `${r.error.name}: ${r.error.message}`)).toEqual(['ok'])
      expect(hooks).toEqual(['function'])
      // at most one search (none when the lookup's own query brought the target's addresses): the
      // dial waited for the early search instead of starting its own
      expect(searches.filter((p) => p === target.peerId.toString()).length).toBeLessThanOrEqual(1)
    } finally {
      routing.findPeer = findPeer
      directory.lookup = lookup
      isolated.clear()
    }
  })
})
