/**
 * Issue #17, item 1: a device started with its relay's TCP address publishes, in its account
 * record, the relay's WebSocket address too (learnt from the relay with identify), so browsers
 * can deposit for it; a relay without one leaves a reason in `reachability().browsers`.
 */
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HomeMessenger } from '../../src/node/messenger.js'
import { startRelay, type Relay } from '../../src/relay/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { publishableRelayAddresses } from '../../src/net/relay-entry-addresses.js'
import { tempDir } from '../helpers/network.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

const ID = '12D3KooWGzh9Mm6kAcSxmWWRGbr5Zg8J3ZXAvRRhLGe6YJ5D6Mhj'

describe('publishableRelayAddresses', () => {
  it('keeps the configured address first, adds the announced TCP and WebSocket ones, drops circuit, WebRTC, duplicates and (for a public relay) private ones', () => {
    const out = publishableRelayAddresses(`/dns4/relay.example/tcp/4001/p2p/${ID}`, [
      '/dns4/relay.example/tcp/4001', // the configured one again
      '/dns4/relay.example/tcp/443/wss',
      '/dns4/relay.example/tcp/4002/ws',
      '/ip4/10.0.0.5/tcp/4002/ws', // private: not for a public relay
      `/dns4/relay.example/tcp/4001/p2p/${ID}/p2p-circuit`,
      '/ip4/203.0.113.9/udp/4003/webrtc-direct',
      'not a multiaddr'
    ])
    expect(out).toEqual([
      `/dns4/relay.example/tcp/4001/p2p/${ID}`,
      `/dns4/relay.example/tcp/443/wss/p2p/${ID}`,
      `/dns4/relay.example/tcp/4002/ws/p2p/${ID}`
    ])
    // a relay configured by a private address keeps private announced addresses (LANs, tests)
    expect(publishableRelayAddresses(`/ip4/127.0.0.1/tcp/4001/p2p/${ID}`, ['/ip4/127.0.0.1/tcp/4002/ws'])).toEqual([
      `/ip4/127.0.0.1/tcp/4001/p2p/${ID}`, `/ip4/127.0.0.1/tcp/4002/ws/p2p/${ID}`
    ])
    // bounded
    expect(publishableRelayAddresses(`/ip4/127.0.0.1/tcp/1/p2p/${ID}`, Array.from({ length: 50 }, (_, i) => `/ip4/127.0.0.1/tcp/${i + 2}/ws`))).toHaveLength(8)
  })
})

describe('a device given its relay’s TCP address', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let tcpOnly: Relay
  const started: HomeMessenger[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-addrs-')
    relay = await startRelay({
      dataDir: join(dir.path, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' }
    }, { logger: silentLogger })
    tcpOnly = await startTestRelay(join(dir.path, 'tcp-only'))
  })

  afterAll(async () => {
    for (const m of started) await m.stop()
    await relay?.stop()
    await tcpOnly?.stop()
    await dir?.cleanup()
  })

  const tcpOf = (r: Relay): string => r.multiaddrs.map(String).find((a) => !a.includes('/ws')) as string

  it('publishes the relay’s WebSocket address beside it, and says browsers can reach it', async () => {
    const m = await startTestMessenger(dir.path, 'a', [tcpOf(relay)])
    started.push(m)
    const relays = m.node.ownRecordBody()?.relays ?? []
    expect(relays).toHaveLength(1)
    const addrs = relays[0].multiaddrs.map((b) => multiaddr(b).toString())
    expect(addrs[0]).toBe(tcpOf(relay))
    const ws = relay.multiaddrs.map(String).find((a) => a.includes('/ws')) as string
    expect(addrs).toContain(ws)
    expect(m.reachability().browsers).toEqual({ reachable: true })
    expect((await m.status()).reachability.relays).toEqual([{ address: tcpOf(relay), connected: true }])
  })

  it('warns, with the reason, when its relay announces no WebSocket address', async () => {
    const m = await startTestMessenger(dir.path, 'b', [tcpOf(tcpOnly)])
    started.push(m)
    expect(m.node.ownRecordBody()?.relays[0].multiaddrs.map((b) => multiaddr(b).toString())).toEqual([tcpOf(tcpOnly)])
    const { browsers } = m.reachability()
    expect(browsers.reachable).toBe(false)
    expect(browsers.reason).toMatch(/no WebSocket .* browsers cannot deliver .*announce no WebSocket address/)
  })
})
