/**
 * Relay choice (issue #24): a new account draws its relays at random among those the DHT
 * returned (`pickSpread`, `RelayDiscovery.find`) instead of taking the first ones, which put up
 * to 2.3 × the mean load on the relays closest to the relay key in the 50-node simulation.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { AbortOptions, Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { RelayDiscovery } from '../../src/net/relay-discovery.js'
import { pickSpread } from '../../src/net/relay-pick.js'

/** A seeded random source (mulberry32), so that the counts below are the same at every run. */
function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('pickSpread (the rule)', () => {
  const relays = Array.from({ length: 12 }, (_, i) => `r${i}`)

  it('draws `count` distinct candidates, all of them when there are fewer, duplicates once, input untouched', () => {
    const input = [...relays]
    const chosen = pickSpread(input, 3, seeded(1))
    expect(chosen).toHaveLength(3)
    expect(new Set(chosen).size).toBe(3)
    for (const r of chosen) expect(relays).toContain(r)
    expect(input).toEqual(relays)
    expect(pickSpread(['a', 'b'], 3, seeded(2)).sort()).toEqual(['a', 'b'])
    expect(pickSpread(['a', 'a', 'b', 'a'], 3, seeded(3)).sort()).toEqual(['a', 'b'])
    expect(pickSpread(relays, 0)).toEqual([])
    expect(pickSpread([], 3)).toEqual([])
    // a random source returning its upper bound's neighbour never reads past the pool
    expect(pickSpread(relays, 12, () => 0.9999999999).sort()).toEqual([...relays].sort())
  })

  it('spreads picks evenly: over 6,000 draws of 3 among 12, every candidate within 10 % of the mean', () => {
    const random = seeded(24)
    const counts = new Map(relays.map((r) => [r, 0]))
    for (let i = 0; i < 6000; i++) for (const r of pickSpread(relays, 3, random)) counts.set(r, (counts.get(r) ?? 0) + 1)
    const mean = (6000 * 3) / relays.length
    for (const [relay, n] of counts) {
      expect(n, relay).toBeGreaterThan(mean * 0.9)
      expect(n, relay).toBeLessThan(mean * 1.1)
    }
  })
})

describe('RelayDiscovery.find', () => {
  /** Content routing whose provider search yields `providers` in this order, then waits until aborted (a lookup still walking). */
  function routing (providers: PeerInfo[]): Libp2p['contentRouting'] {
    return {
      async * findProviders (_cid: unknown, options: AbortOptions = {}): AsyncGenerator<PeerInfo> {
        yield * providers
        await new Promise<void>((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
        })
      }
    } as unknown as Libp2p['contentRouting']
  }
  async function providers (n: number): Promise<Array<PeerInfo & { id: PeerId }>> {
    return await Promise.all(Array.from({ length: n }, async (_, i) => ({ id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${4000 + i}`)] })))
  }

  it('draws among every relay found, not the first ones the DHT returns; ends the grace period of a search that goes on', async () => {
    const found = await providers(10)
    // the same relay twice and a relayed-only address: counted once / skipped
    const withNoise: PeerInfo[] = [found[0], found[0], { id: found[1].id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${found[2].id.toString()}/p2p-circuit`)] }, found[1], ...found.slice(2)]
    const discovery = new RelayDiscovery({ contentRouting: routing(withNoise), logger: defaultLogger() }, { graceMs: 5, random: seeded(7) })
    const counts = new Map(found.map((p) => [p.id.toString(), 0]))
    for (let i = 0; i < 200; i++) {
      const chosen = await discovery.find(3, { signal: AbortSignal.timeout(60_000) })
      expect(chosen).toHaveLength(3)
      expect(new Set(chosen).size).toBe(3)
      for (const addr of chosen) {
        expect(addr).not.toContain('p2p-circuit')
        const id = addr.split('/p2p/').pop() ?? ''
        counts.set(id, (counts.get(id) ?? 0) + 1)
      }
    }
    // 600 picks over 10 relays: 60 each on average; the first three the DHT returned are not favoured
    for (const [id, n] of counts) {
      expect(n, id).toBeGreaterThan(30)
      expect(n, id).toBeLessThan(90)
    }
  })

  it('with `candidates` equal to the count, takes the first found (the rule before issue #24)', async () => {
    const found = await providers(6)
    const discovery = new RelayDiscovery({ contentRouting: routing(found), logger: defaultLogger() }, { candidates: 3, random: seeded(9) })
    const chosen = await discovery.find(3, { signal: AbortSignal.timeout(60_000) })
    expect(chosen.map((a) => a.split('/p2p/').pop()).sort()).toEqual(found.slice(0, 3).map((p) => p.id.toString()).sort())
  })

  it('returns what it found when the search ends with fewer than asked', async () => {
    const found = await providers(2)
    const discovery = new RelayDiscovery({ contentRouting: routing(found), logger: defaultLogger() }, { graceMs: 5 })
    const chosen = await discovery.find(3, { signal: AbortSignal.timeout(200) })
    expect(chosen).toHaveLength(2)
  })
})
