import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import { NETWORK_LIMIT_FACTOR, PeerAndAddressLimiter } from '../../src/net/rate-limiter.js'
import { parseRelayConfig } from '../../src/relay/config/index.js'
import type { Relay } from '../../src/relay/relay.js'
import { addressKeys, addressList, NO_ADDRESS } from '../../src/net/remote-address.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

const PEER = '12D3KooWLs2Rm2wXnVdyd1CT8ErSXv3m5brvBj3FGu1hZoHL2ybE'

describe('the address a rate limit is kept under', () => {
  it('is the IPv4 address, or the IPv6 /64 and /48; a relayed connection counts as its relaying hop', () => {
    expect(addressKeys(multiaddr('/ip4/203.0.113.7/tcp/4001'))).toEqual({ address: '203.0.113.7' })
    expect(addressKeys(multiaddr(`/ip4/203.0.113.7/tcp/4001/ws/p2p/${PEER}`))).toEqual({ address: '203.0.113.7' })
    // every address of one /64 shares a bucket, however it is written; the /48 around it another
    const keys = addressKeys(multiaddr('/ip6/2001:db8:1:2::1/tcp/4001'))
    expect(keys).toEqual({ address: '2001:db8:1:2::/64', network: '2001:db8:1::/48' })
    expect(addressKeys(multiaddr('/ip6/2001:0db8:0001:0002:ffff:1:2:3/udp/9/quic-v1'))).toEqual(keys)
    expect(addressKeys(multiaddr('/ip6/2001:db8:1:3::1/tcp/4001'))).toEqual({ address: '2001:db8:1:3::/64', network: '2001:db8:1::/48' })
    // IPv4-mapped IPv6 is the IPv4 address
    expect(addressKeys(multiaddr('/ip6/::ffff:198.51.100.4/tcp/1'))).toEqual({ address: '198.51.100.4' })
    // a circuit-relayed connection arrives over its hop's connection: the hop's address pays
    expect(addressKeys(multiaddr(`/ip4/198.51.100.9/tcp/4001/p2p/${PEER}/p2p-circuit/p2p/${PEER}`))).toEqual({ address: '198.51.100.9' })
    // no IP of its own (an unspecified one, a transport that does not know): one shared bucket, never a fresh one
    expect(addressKeys(multiaddr('/dns4/example.org/tcp/443/wss'))).toEqual({ address: NO_ADDRESS })
    expect(addressKeys(multiaddr('/ip4/0.0.0.0/tcp/0/ws'))).toEqual({ address: NO_ADDRESS })
    expect(addressKeys(multiaddr('/ip6/::/tcp/0/ws'))).toEqual({ address: NO_ADDRESS })
    expect(addressKeys(multiaddr(`/webrtc/p2p/${PEER}`))).toEqual({ address: NO_ADDRESS })
  })

  it('skips exempt addresses: by default loopback, where a local TLS proxy makes every client come from', () => {
    const exempt = addressList(parseRelayConfig({}).limits.addressLimitExempt)
    expect(addressKeys(multiaddr('/ip4/127.0.0.1/tcp/1/ws'), exempt)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip4/127.8.9.10/tcp/1'), exempt)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip6/::1/tcp/1'), exempt)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip6/::ffff:127.0.0.1/tcp/1'), exempt)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip4/203.0.113.7/tcp/1'), exempt)).toEqual({ address: '203.0.113.7' })
    const custom = addressList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'])
    expect(addressKeys(multiaddr('/ip4/10.1.2.3/tcp/1'), custom)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip6/2001:db8:5::1/tcp/1'), custom)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip4/192.0.2.1/tcp/1'), custom)).toBeUndefined()
    expect(addressKeys(multiaddr('/ip4/192.0.2.2/tcp/1'), custom)).toEqual({ address: '192.0.2.2' })
    expect(() => addressList(['10.0.0.0/33'])).toThrow(RangeError)
    expect(() => addressList(['example.org'])).toThrow(RangeError)
    expect(() => addressList(['10.0.0.0/8/junk'])).toThrow(RangeError)
  })
})

describe('per-peer, per-address and per-network token buckets', () => {
  it('a request takes from every bucket or from none, and they refill with time', () => {
    let now = 0
    const limiter = new PeerAndAddressLimiter({ perSecond: 1, burst: 2 }, { perSecond: 1, burst: 5 }, 100, () => now)
    const h = { address: 'h' }
    expect([limiter.take('p1', h), limiter.take('p1', h), limiter.take('p1', h)]).toEqual([undefined, undefined, 'peer'])
    // the peer's refusal took nothing from the address: three more fit, from fresh peers
    expect(['p2', 'p3', 'p4', 'p5'].map((p) => limiter.take(p, h))).toEqual([undefined, undefined, undefined, 'address'])
    // nor did the address's refusal take from p5's own bucket: two left for it elsewhere
    expect([limiter.take('p5', { address: 'other' }), limiter.take('p5', { address: 'other' }), limiter.take('p5', { address: 'other' })]).toEqual([undefined, undefined, 'peer'])
    expect(limiter.take('p7', undefined)).toBeUndefined()
    now += 1000
    expect(limiter.take('p8', h)).toBeUndefined()
    expect(limiter.take('p9', h)).toBe('address')
    // off: only peers count
    const peersOnly = new PeerAndAddressLimiter({ perSecond: 1, burst: 1 }, null, 100, () => now)
    expect(Array.from({ length: 20 }, (_, i) => peersOnly.take(`q${i}`, h)).every((s) => s === undefined)).toBe(true)
  })

  it(`an IPv6 /48 gets ${NETWORK_LIMIT_FACTOR} addresses' worth, however many /64s it cycles through`, () => {
    const limiter = new PeerAndAddressLimiter({ perSecond: 1, burst: 1000 }, { perSecond: 1, burst: 2 }, 1000, () => 0)
    const results = Array.from({ length: 100 }, (_, i) => limiter.take(`p${i}`, { address: `2001:db8:1:${i.toString(16)}::/64`, network: '2001:db8:1::/48' }))
    expect(results.filter((r) => r === undefined)).toHaveLength(2 * NETWORK_LIMIT_FACTOR)
    expect(results.slice(2 * NETWORK_LIMIT_FACTOR).every((r) => r === 'network')).toBe(true)
  })

  it('is configured per operation, merges partial settings with the defaults and takes null for off', () => {
    const config = parseRelayConfig({ limits: { depositRatePerAddress: { perSecond: 7 }, fetchRatePerAddress: null, addressLimitExempt: ['10.0.0.0/8'] } })
    expect(config.limits.depositRatePerAddress).toEqual({ perSecond: 7, burst: 2000 })
    expect(config.limits.fetchRatePerAddress).toBeNull()
    expect(config.limits.prekeyRatePerAddress).toEqual({ perSecond: 50, burst: 200 })
    expect(config.limits.addressLimitExempt).toEqual(['10.0.0.0/8'])
    // null, then set again (a flag over a file): back to defaults plus what is given
    expect(parseRelayConfig({ limits: { fetchRatePerAddress: { burst: 9 } } }, { base: config }).limits.fetchRatePerAddress).toEqual({ perSecond: 500, burst: 9 })
    const field = (input: unknown): string | undefined => { try { parseRelayConfig(input) } catch (err) { return (err as { field?: string }).field } }
    expect(field({ limits: { depositRatePerAddress: { perSecond: -1 } } })).toBe('limits.depositRatePerAddress.perSecond')
    expect(field({ limits: { depositRatePerAddress: 5 } })).toBe('limits.depositRatePerAddress')
    expect(field({ limits: { addressLimitExempt: ['not an address'] } })).toBe('limits.addressLimitExempt')
    expect(field({ limits: { addressLimitExempt: '127.0.0.1' } })).toBe('limits.addressLimitExempt')
  })
})

describe('a deposit flood from many throwaway PeerIds on one address', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const nodes: Libp2p[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-address-limits-')
    // loopback is exempt by default (a local TLS proxy); here it stands for one remote host
    // 40 connections from one address: above its default connection share, which is not under test here
    relay = await startTestRelay(dir.path, { limits: { depositRatePerAddress: { perSecond: 2, burst: 30 }, addressLimitExempt: [], maxConnectionsPerAddress: 100 } })
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

  it('runs no WebRTC transport: a WebRTC connection would carry no IP address to limit by', () => {
    expect(relay.libp2p.getProtocols()).not.toContain('/webrtc-signaling/0.0.1')
  })

  it('by default loopback is exempt: clients behind a local TLS proxy do not share one bucket', async () => {
    const proxied = await startTestRelay(join(dir.path, 'proxied'), { limits: { depositRatePerAddress: { perSecond: 1, burst: 2 } } })
    try {
      const peers = await Promise.all(Array.from({ length: 6 }, async () => {
        const node = await startClient()
        nodes.push(node)
        return new MailboxClient(node)
      }))
      const results = await Promise.allSettled(peers.map(async (peer) => peer.deposit(proxied.multiaddrs[0], makeEnvelope(makeOwner().deviceKey))))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6)
      expect(proxied.metrics.get('parley_relay_rate_limited_total', { op: 'deposit', scope: 'address' })).toBe(0)
    } finally {
      await proxied.stop()
    }
  })
})
