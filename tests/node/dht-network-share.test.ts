import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import type { DhtRefusalReason } from '../../src/net/dht-record-store.js'
import type { AddressKeys } from '../../src/net/remote-address.js'
import { createParleyLibp2p, testNetwork, type ParleyLibp2p } from '../../src/p2p/index.js'
import { floodRecord, rawPut } from './dht-attack-helpers.js'

// Loopback has one IPv6 address, so each IPv6 /64 is stood for by a 127.0.0.0/8 address: a
// client's TCP socket is bound to it, and the DHT server's address keys map 127.0.0.N to the
// N-th /64 of one /48 (2001:db8::/48, the attacker's site) and 127.0.1.N to another /48's.
function siteKeys (remoteAddr: Multiaddr): AddressKeys | undefined {
  const ip = remoteAddr.getComponents().find((c) => c.name === 'ip4')?.value ?? ''
  const [, , third, fourth] = ip.split('.')
  const site = third === '0' ? '2001:db8:0' : '2001:db9:0'
  return { address: `${site}:${Number(fourth).toString(16)}::/64`, network: `${site}::/48` }
}

/** A throwaway libp2p client whose connections come from `localAddress`. */
async function clientFrom (localAddress: string): Promise<Libp2p> {
  // @libp2p/tcp hands dialOpts to net.connect, which binds the socket to localAddress (not in its type)
  const dialOpts = { localAddress } as unknown as TCPSocketOptions
  return createLibp2p({ addresses: { listen: [] }, transports: [tcp({ dialOpts })], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
}

const stops: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

describe('DHT record shares per IPv6 /48 (review of issue #15, finding 5)', () => {
  it('one /48 rotating through its /64s holds at most its /48 share; another site still stores', async () => {
    const refusals: DhtRefusalReason[] = []
    const server: ParleyLibp2p = await createParleyLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      ...testNetwork(),
      dhtClientMode: false,
      // a daemon's shape, scaled down: 2 records per /64, the /48 share left to its default (2 × 2)
      dhtRecordLimits: { maxRecords: 100, maxRecordsPerAddress: 2, putRate: { perSecond: 1000, burst: 1000 }, putRatePerAddress: { perSecond: 1000, burst: 1000 } },
      dhtAddressKeys: siteKeys,
      onDhtRefusal: (reason) => { refusals.push(reason) }
    })
    stops.push(async () => { await server.stop() })
    const target = server.getMultiaddrs()[0]

    // the attack: eight /64s of one /48, each storing its full per-address share
    let attackerStored = 0
    for (let n = 1; n <= 8; n++) {
      const attacker = await clientFrom(`127.0.0.${n + 1}`)
      stops.push(async () => { await attacker.stop() })
      for (let i = 0; i < 2; i++) {
        const { key, value } = floodRecord(512)
        if (await rawPut(attacker, target, key, value)) attackerStored++
      }
    }
    expect(attackerStored).toBe(4)
    expect(refusals.filter((r) => r === 'network_full')).toHaveLength(12)
    expect(refusals.filter((r) => r !== 'network_full')).toEqual([])

    // an honest host of another /48 is unaffected
    const honest = await clientFrom('127.0.1.2')
    stops.push(async () => { await honest.stop() })
    for (let i = 0; i < 2; i++) {
      const { key, value } = floodRecord(512)
      expect(await rawPut(honest, target, key, value)).toBe(true)
    }
    expect(server.services.dhtRecords.recordCount).toBe(6)
  })
})
