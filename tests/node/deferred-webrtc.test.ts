/**
 * Issue #22, item 5: a node created with deferred transports (the daemon's WebRTC) starts
 * without them, dials and accepts no WebRTC until they are loaded — a WebRTC dial fails at once
 * and a peer's signalling stream is refused, so the relayed connection stays the way in — and
 * once loaded, a WebRTC connection through a circuit relay comes up. Three libp2p nodes on
 * 127.0.0.1: a circuit relay, a peer reachable only through it (WebRTC as a browser has it), and
 * the deferred node.
 */
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, Libp2p } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeferredTransports } from '../../src/p2p/deferred-transport.js'
import { createParleyLibp2p, testNetwork, type ParleyLibp2pOptions } from '../../src/p2p/index.js'
import { waitFor } from '../helpers/network.js'

const SIGNALING = '/webrtc-signaling/0.0.1'
const started: Libp2p[] = []

async function node (init: Partial<ParleyLibp2pOptions> = {}): Promise<Libp2p> {
  const libp2p = await createParleyLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ...testNetwork(), ...init })
  started.push(libp2p)
  return libp2p
}

describe('a node with the WebRTC transport deferred', () => {
  let relay: Libp2p
  let peer: Libp2p
  let webrtcAddr: Multiaddr

  beforeAll(async () => {
    relay = await node({ extraServices: { relay: circuitRelayServer() } })
    // reachable only through the relay, over WebRTC: as a browser is
    peer = await node({ listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit', '/webrtc'] })
    await peer.dial(relay.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) })
    await waitFor(() => peer.getMultiaddrs().some((ma) => ma.toString().includes('/p2p-circuit/webrtc')), 30_000, 'a relayed WebRTC address')
    webrtcAddr = peer.getMultiaddrs().find((ma) => ma.toString().includes('/p2p-circuit/webrtc'))!
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled(started.map(async (n) => { await n.stop() }))
  })

  it('dials and accepts no WebRTC before load(); after it, a WebRTC connection through the relay comes up', { timeout: 90_000 }, async () => {
    const deferred = new DeferredTransports()
    const daemon = await node({ deferredTransports: deferred })
    expect(deferred.loaded).toBe(false)
    expect(daemon.getProtocols()).not.toContain(SIGNALING)

    // before: no transport dials a WebRTC address, and the peer's signalling stream is refused
    await expect(daemon.dial(webrtcAddr, { force: true, signal: AbortSignal.timeout(20_000) })).rejects.toMatchObject({ name: 'NoValidAddressesError' })
    await peer.dial(daemon.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) })
    await expect(peer.dialProtocol(daemon.peerId, SIGNALING, { signal: AbortSignal.timeout(20_000) })).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
    // the connection the peer had stays up: only the upgrade was refused
    expect(peer.getConnections(daemon.peerId).length).toBeGreaterThan(0)
    // closed on both sides: WebRTC's signalling dial would otherwise reuse a stale side ("muxer closed")
    await Promise.all([peer.hangUp(daemon.peerId), daemon.hangUp(peer.peerId)])
    await waitFor(() => daemon.getConnections(peer.peerId).length === 0 && peer.getConnections(daemon.peerId).length === 0, 30_000, 'both sides to close their connection')

    await deferred.load({ signal: AbortSignal.timeout(60_000) })
    expect(deferred.loaded).toBe(true)
    expect(daemon.getProtocols()).toContain(SIGNALING)
    // a second load is the first one's
    await deferred.load()

    // ICE on this loaded loopback host sometimes needs a second try (as between browsers: embed.test.ts)
    const failures: string[] = []
    let conn: Connection | undefined
    for (let attempt = 0; attempt < 5 && conn == null; attempt++) {
      conn = await daemon.dial(webrtcAddr, { force: true, signal: AbortSignal.timeout(30_000) }).catch((err: Error) => { failures.push(`${err.name}: ${err.message}`); return undefined })
    }
    if (conn == null) throw new Error(`no WebRTC connection after load(): ${failures.join('; ')}`)
    // a direct WebRTC connection (its address names the relay it was signalled through), not the limited relayed one
    expect(conn.remoteAddr.toString()).toMatch(/\/p2p-circuit\/webrtc\/p2p\//)
    expect(conn.limits).toBeUndefined()
    expect(conn.remotePeer.equals(peer.peerId)).toBe(true)
  })

  it('a node not deferring loads WebRTC as it starts (the peer above answered its signalling)', async () => {
    expect(peer.getProtocols()).toContain(SIGNALING)
    expect(multiaddr(webrtcAddr).toString()).toContain(peer.peerId.toString())
  })
})
