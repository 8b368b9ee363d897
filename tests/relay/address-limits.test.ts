import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import { PeerAndAddressLimiter } from '../../src/relay/rate-limiter.js'
import { parseRelayConfig } from '../../src/relay/relay-config.js'
import type { Relay } from '../../src/relay/relay.js'
import { addressBucket } from '../../src/relay/remote-address.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

describe('the address a rate limit is kept under', () => {
  it('is the IPv4 address, the IPv6 /64, or nothing for a relayed connection', () => {
    expect(addressBucket(multiaddr('/ip4/203.0.113.7/tcp/4001'))).toBe('203.0.113.7')
    expect(addressBucket(multiaddr('/ip4/203.0.113.7/tcp/4001/ws/p2p/12D3KooWLs2Rm2wXnVdyd1CT8ErSXv3m5brvBj3FGu1hZoHL2ybE'))).toBe('203.0.113.7')
    // every address of one /64 shares a bucket, however it is written
    const a = addressBucket(multiaddr('/ip6/2001:db8:1:2::1/tcp/4001'))
    expect(a).toBe('2001:db8:1:2::/64')
    expect(addressBucket(multiaddr('/ip6/2001:0db8:0001:0002:ffff:1:2:3/udp/9/quic-v1'))).toBe(a)
    expect(addressBucket(multiaddr('/ip6/2001:db8:1:3::1/tcp/4001'))).toBe('2001:db8:1:3::/64')
    expect(addressBucket(multiaddr('/ip6/::1/tcp/1'))).toBe('0:0:0:0::/64')
    // IPv4-mapped IPv6 is the IPv4 address
    expect(addressBucket(multiaddr('/ip6/::ffff:198.51.100.4/tcp/1'))).toBe('198.51.100.4')
    // a circuit-relayed connection's IP is the relaying peer's, not the remote's
    expect(addressBucket(multiaddr('/ip4/198.51.100.9/tcp/4001/p2p/12D3KooWLs2Rm2wXnVdyd1CT8ErSXv3m5brvBj3FGu1hZoHL2ybE/p2p-circuit'))).toBeUndefined()
    expect(addressBucket(multiaddr('/dns4/example.org/tcp/443/wss'))).toBeUndefined()
  })
})

describe('per-peer and per-address token buckets', () => {
  it('refuses by peer first, then by the address shared by many peers, and refills with time', () => {
    let now = 0
    const limiter = new PeerAndAddressLimiter({ perSecond: 1, burst: 2 }, { perSecond: 1, burst: 5 }, 100, () => now)
    expect([limiter.take('p1', 'h'), limiter.take('p1', 'h'), limiter.take('p1', 'h')]).toEqual([undefined, undefined, 'peer'])
    // the peer's refusal took nothing from the address: three more fit, from fresh peers
    expect(['p2', 'p3', 'p4', 'p5'].map((p) => limiter.take(p, 'h'))).toEqual([undefined, undefined, undefined, 'address'])
    expect(limiter.take('p6', 'other')).toBeUndefined()
    expect(limiter.take('p7', undefined)).toBeUndefined()
    now += 1000
    expect(limiter.take('p8', 'h')).toBeUndefined()
    expect(limiter.take('p9', 'h')).toBe('address')
    // off: only peers count
    const peersOnly = new PeerAndAddressLimiter({ perSecond: 1, burst: 1 }, null, 100, () => now)
    expect(Array.from({ length: 20 }, (_, i) => peersOnly.take(`q${i}`, 'h')).every((s) => s === undefined)).toBe(true)
  })

  it('is configured per operation, merges partial settings with the defaults and takes null for off', () => {
    const config = parseRelayConfig({ limits: { depositRatePerAddress: { perSecond: 7 }, fetchRatePerAddress: null } })
    expect(config.limits.depositRatePerAddress).toEqual({ perSecond: 7, burst: 2000 })
    expect(config.limits.fetchRatePerAddress).toBeNull()
    expect(config.limits.prekeyRatePerAddress).toEqual({ perSecond: 50, burst: 200 })
    // null, then set again (a flag over a file): back to defaults plus what is given
    expect(parseRelayConfig({ limits: { fetchRatePerAddress: { burst: 9 } } }, { base: config }).limits.fetchRatePerAddress).toEqual({ perSecond: 500, burst: 9 })
    const field = (input: unknown): string | undefined => { try { parseRelayConfig(input) } catch (err) { return (err as { field?: string }).field } }
    expect(field({ limits: { depositRatePerAddress: { perSecond: -1 } } })).toBe('limits.depositRatePerAddress.perSecond')
    expect(field({ limits: { depositRatePerAddress: 5 } })).toBe('limits.depositRatePerAddress')
  })
})

describe('a deposit flood from many throwaway PeerIds on one address', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const nodes: Libp2p[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-address-limits-')
    relay = await startTestRelay(dir.path, { limits: { depositRatePerAddress: { perSecond: 2, burst: 30 } } })
  })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('is bounded by the address bucket though each peer stays under its own limit; the relay serves again once it refills', async () => {
    // 40 fresh peers (as sealed sender deposits use), all connected before the flood starts
    const peers = await Promise.all(Array.from({ length: 40 }, async () => {
      const node = await startClient()
      nodes.push(node)
      await node.dial(relay.multiaddrs[0])
      return new MailboxClient(node)
    }))
    const started = Date.now()
    const results = await Promise.allSettled(peers.flatMap((peer) => [0, 1].map(async () => peer.deposit(relay.multiaddrs[0], makeEnvelope(makeOwner().deviceKey)))))
    const elapsedSeconds = (Date.now() - started) / 1000
    const refusedCodes = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as MailboxRefusedError).code)
    const stored = results.filter((r) => r.status === 'fulfilled').length
    // 2 deposits each: every peer is far below its own bucket (burst 200), the address's burst is 30
    expect(refusedCodes.every((c) => c === 'ERR_RATE_LIMITED')).toBe(true)
    expect(stored).toBeLessThanOrEqual(30 + Math.ceil(2 * elapsedSeconds) + 1)
    expect(stored).toBeGreaterThanOrEqual(30)
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'deposit', scope: 'address' })).toBe(refusedCodes.length)
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'deposit', scope: 'peer' })).toBe(0)

    const refusal = results.find((r) => r.status === 'rejected')
    expect((refusal as PromiseRejectedResult).reason).toBeInstanceOf(MailboxRefusedError)
    expect(((refusal as PromiseRejectedResult).reason as Error).message).toContain('network address')
    // owner requests keep their own buckets: the flood does not lock owners on that address out
    const owner = makeOwner()
    expect((await peers[0].fetch(relay.multiaddrs[0], owner)).envelopes).toEqual([])
    // a second later the address has tokens again
    await waitFor(async () => {
      try {
        await peers[1].deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey))
        return true
      } catch (err) {
        if ((err as MailboxRefusedError).code !== 'ERR_RATE_LIMITED') throw err
        return false
      }
    }, 10_000, 'the address bucket to refill')
    expect((await peers[0].fetch(relay.multiaddrs[0], owner)).envelopes).toHaveLength(1)
  })
})
