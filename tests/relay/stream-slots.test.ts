import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { signMailboxChallenge } from '../../src/net/mailbox-codec.js'
import { Envelope } from '../../src/net/envelope-codec.js'
import { parseRelayConfig } from '../../src/relay/config/index.js'
import type { Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { StreamSlots, type SlotHolder } from '../../src/relay/stream-slots.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, RawMailboxStream, startTestRelay } from './helpers.js'

// Every client here is on loopback, so each "host" is its own 127.0.0.0/8 address: the relay
// listens on 127.0.0.1 and a client's TCP socket is bound to the address it stands for
// (Linux routes all of 127.0.0.0/8 to lo). The attacker is 127.0.0.1, honest hosts .2 and .3.
const ATTACKER = '127.0.0.1'
const HONEST = '127.0.0.2'
const NEWCOMER = '127.0.0.3'

/** A throwaway libp2p client whose connections come from `localAddress`. */
async function clientFrom (localAddress: string): Promise<Libp2p> {
  // @libp2p/tcp hands dialOpts to net.connect, which binds the socket to localAddress (not in its type)
  const dialOpts = { localAddress } as unknown as TCPSocketOptions
  return createLibp2p({
    addresses: { listen: [] },
    transports: [tcp({ dialOpts })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** True when the stream still answers a challenge (false: the relay closed it). */
async function answers (stream: RawMailboxStream): Promise<boolean> {
  return stream.request({ getChallenge: {} }).then((r) => r.challenge != null, () => false)
}

/** The `parley_relay_mailbox_streams` gauge as /metrics shows it. */
function openStreams (relay: Relay): number {
  return Number(/^parley_relay_mailbox_streams (\d+)$/m.exec(relay.metrics.render())?.[1])
}

/** Resolves after `ms`: the pace of an attacker's keep-alive requests (never used to wait for the relay). */
async function pace (ms: number): Promise<void> { await new Promise((resolve) => setTimeout(resolve, ms)) }

describe('relay stream and connection slots per address', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const relays: Relay[] = []
  const nodes: Libp2p[] = []
  const node = async (from: string): Promise<Libp2p> => { const n = await clientFrom(from); nodes.push(n); return n }
  /** Loopback stands for remote hosts here: the per-address exemption is off. */
  const relayWith = async (name: string, config: RelayConfigInput): Promise<Relay> => {
    const relay = await startTestRelay(`${dir.path}/${name}`, { ...config, limits: { addressLimitExempt: [], ...config.limits } })
    relays.push(relay)
    return relay
  }

  beforeAll(async () => { dir = await tempDir('parley-relay-slots-') })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await Promise.all(relays.map(async (r) => r.stop()))
    await dir?.cleanup()
  })

  it('one address holding every mailbox stream it may (idle, one get_challenge each) leaves room for honest deposits', async () => {
    const relay = await relayWith('streams', { limits: { maxStreams: 8, maxStreamsPerAddress: 4 } })
    // the attack: throwaway PeerIds on one host open as many idle streams as the whole relay holds
    const attack: RawMailboxStream[] = []
    for (let i = 0; i < 8; i++) {
      const stream = await RawMailboxStream.open(await node(ATTACKER), relay)
      expect((await stream.request({ getChallenge: {} })).challenge).toBeDefined()
      attack.push(stream)
    }
    // an honest host deposits and its owner fetches, while the attacker holds all it may
    const owner = makeOwner()
    const sender = new MailboxClient(await node(HONEST))
    const envelopes = [0, 1, 2].map(() => makeEnvelope(owner.deviceKey))
    for (const envelope of envelopes) expect((await sender.deposit(relay.multiaddrs[0], envelope)).duplicate).toBe(false)
    const page = await new MailboxClient(await node(HONEST)).fetch(relay.multiaddrs[0], owner)
    expect(page.envelopes.map((e) => hex(e.id)).sort()).toEqual(envelopes.map((e) => hex(e.id)).sort())
    expect(relay.metrics.get('parley_relay_refusals_total', { reason: 'ERR_TOO_MANY_STREAMS' })).toBe(0)
    // the attacker holds its address's four: each of its streams beyond them took the slot of its longest-idle one
    expect(relay.metrics.get('parley_relay_stream_evictions_total', { scope: 'address' })).toBe(4)
    expect(relay.metrics.get('parley_relay_stream_evictions_total', { scope: 'relay' })).toBe(0)
    expect(await Promise.all(attack.map(answers))).toEqual([false, false, false, false, true, true, true, true])
    await sender.stop()
  })

  it('closes an unauthenticated stream that only sends get_challenge after the short idle timeout; deposits keep one open', async () => {
    const relay = await relayWith('idle', { limits: { unauthenticatedIdleTimeoutMs: 800, idleTimeoutMs: 60_000 } })
    const attacker = await node(ATTACKER)
    const opened = performance.now()
    const pinger = await RawMailboxStream.open(attacker, relay)
    const depositor = await RawMailboxStream.open(await node(HONEST), relay)
    const owner = makeOwner()
    // the attacker keeps its stream busy with a challenge every 200 ms; the honest one deposits as often
    let closedAfter: number | undefined
    while (performance.now() - opened < 2400) {
      if (closedAfter == null && !(await answers(pinger))) closedAfter = performance.now() - opened
      const stored = await depositor.request({ deposit: { envelope: Envelope.encode(makeEnvelope(owner.deviceKey)) } })
      expect(stored.errorCode).toBe('')
      await pace(200)
    }
    // closed while it kept asking, not before its 800 ms (nor after the 60 s idle timeout of a stream that has authenticated)
    expect(closedAfter).toBeDefined()
    expect(closedAfter).toBeGreaterThanOrEqual(790)
    expect(relay.metrics.get('parley_relay_idle_streams_closed_total', { state: 'unauthenticated' })).toBe(1)
    // the depositor's stream outlived the unauthenticated timeout three times over
    expect(await answers(depositor)).toBe(true)
  })

  it('at the relay-wide cap a newcomer takes the slot of the longest-idle unauthenticated stream of the heaviest address', async () => {
    const relay = await relayWith('evict', { limits: { maxStreams: 6, maxStreamsPerAddress: 4, unauthenticatedIdleTimeoutMs: 60_000 } })
    // the oldest idle stream of all is an honest host's; the attacker's four come after it
    const honestIdle = await RawMailboxStream.open(await node(HONEST), relay)
    expect(await answers(honestIdle)).toBe(true)
    const attack: RawMailboxStream[] = []
    for (let i = 0; i < 4; i++) {
      const stream = await RawMailboxStream.open(await node(ATTACKER), relay)
      expect(await answers(stream)).toBe(true)
      attack.push(stream)
    }
    // an authenticated owner stream from the honest host fills the relay; it is never evicted
    const owner = makeOwner()
    const ownerStream = await RawMailboxStream.open(await node(HONEST), relay)
    const { challenge } = await ownerStream.request({ getChallenge: {} })
    expect((await ownerStream.request({ authenticate: signMailboxChallenge(challenge!, owner.device, owner.accountRecord) })).authenticated).toBeDefined()
    expect(openStreams(relay)).toBe(6)

    // a third host deposits: it gets the slot of the attacker's first stream
    const sender = new MailboxClient(await node(NEWCOMER))
    expect((await sender.deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey))).duplicate).toBe(false)
    expect(relay.metrics.get('parley_relay_stream_evictions_total', { scope: 'relay' })).toBe(1)
    expect(await Promise.all(attack.map(answers))).toEqual([false, true, true, true])
    expect(await answers(honestIdle)).toBe(true)
    expect((await ownerStream.request({ fetch: { limit: 10, cursor: new Uint8Array(0) } })).page?.envelopes).toHaveLength(1)
    await sender.stop()
  })

  it('refuses a stream when its address is full of busy (authenticated) streams, and counts it', async () => {
    const relay = await relayWith('busy', { limits: { maxStreams: 8, maxStreamsPerAddress: 2 } })
    const owner = makeOwner()
    for (let i = 0; i < 2; i++) {
      const stream = await RawMailboxStream.open(await node(ATTACKER), relay)
      const { challenge } = await stream.request({ getChallenge: {} })
      expect((await stream.request({ authenticate: signMailboxChallenge(challenge!, owner.device, owner.accountRecord) })).errorCode).toBe('')
    }
    const third = await RawMailboxStream.open(await node(ATTACKER), relay)
    const refusal = await third.response()
    expect(refusal.errorCode).toBe('ERR_TOO_MANY_STREAMS')
    expect(refusal.errorMessage).toContain('network address')
    expect(relay.metrics.get('parley_relay_stream_refusals_total', { scope: 'address' })).toBe(1)
    // another address is not affected
    await new MailboxClient(await node(HONEST)).deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey))
  })

  it('caps inbound connections per address: throwaway PeerIds cannot fill maxConnections', async () => {
    const relay = await relayWith('connections', { maxConnections: 6, limits: { maxConnectionsPerAddress: 3 } })
    // the attack: one idle connection per throwaway PeerId, as many as the relay holds
    const attackers = await Promise.all(Array.from({ length: 6 }, async () => node(ATTACKER)))
    const dials = await Promise.allSettled(attackers.map(async (n) => n.dial(relay.multiaddrs[0])))

    // an honest host connects and deposits
    const owner = makeOwner()
    const sender = new MailboxClient(await node(HONEST))
    expect((await sender.deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey))).duplicate).toBe(false)
    await sender.stop()
    // the attacker got its address's three
    expect(dials.filter((d) => d.status === 'fulfilled')).toHaveLength(3)
    expect(relay.metrics.get('parley_relay_connection_refusals_total', { scope: 'address' })).toBe(3)

    // a closed connection gives its slot back to its address
    const connected = attackers.filter((_, i) => dials[i].status === 'fulfilled')
    await connected[0].stop()
    const late = attackers.find((_, i) => dials[i].status === 'rejected')!
    await waitFor(async () => late.dial(relay.multiaddrs[0]).then(() => true, () => false), 10_000, 'the closed connection\'s slot to be free')
  })
})

describe('stream slot table', () => {
  interface Holder extends SlotHolder { name: string, evictable: boolean, lastUsefulAt: number }
  const holder = (name: string, address: string | undefined, lastUsefulAt: number, evictable = true, network?: string): Holder =>
    ({ name, address: address == null ? undefined : { address, ...(network != null ? { network } : {}) }, lastUsefulAt, evictable })

  it('evicts within an address or /48 at its cap, the heaviest address at the relay cap, and refuses when nothing is idle', () => {
    const slots = new StreamSlots<Holder>({ maxStreams: 6, maxStreamsPerAddress: 2, maxStreamsPerNetwork: 3 })
    const admitted = (h: Holder): string[] | string => {
      const a = slots.admit(h)
      return a.admitted ? a.evicted.map((e) => `${e.holder.name}:${e.scope}`) : `refused:${a.scope}`
    }
    expect(admitted(holder('a1', '198.51.100.1', 1))).toEqual([])
    expect(admitted(holder('a2', '198.51.100.1', 2))).toEqual([])
    // the address's share is taken: its longest idle stream makes room
    expect(admitted(holder('a3', '198.51.100.1', 3))).toEqual(['a1:address'])
    // three /64s of one /48 fill the /48's share; a fourth /64 evicts within the /48
    expect(admitted(holder('n1', '2001:db8:1:1::/64', 4, true, '2001:db8:1::/48'))).toEqual([])
    expect(admitted(holder('n2', '2001:db8:1:2::/64', 5, true, '2001:db8:1::/48'))).toEqual([])
    expect(admitted(holder('n3', '2001:db8:1:3::/64', 6, true, '2001:db8:1::/48'))).toEqual([])
    expect(admitted(holder('n4', '2001:db8:1:4::/64', 7, false, '2001:db8:1::/48'))).toEqual(['n1:network'])
    // an exempt address has no share of its own, only the relay's
    expect(admitted(holder('x1', undefined, 0))).toEqual([])
    expect(slots.size).toBe(6)
    // the relay is full: the address holding the most streams loses its longest idle one (not x1, idle longer)
    const busy = holder('b1', '203.0.113.9', 8, false)
    expect(admitted(busy)).toEqual(['a2:relay'])
    // nothing idle anywhere: refused, and nothing changes
    for (const h of slots) h.evictable = false
    expect(admitted(holder('c1', '203.0.113.10', 9))).toBe('refused:relay')
    expect(slots.size).toBe(6)
    slots.release(busy)
    slots.release(busy)
    expect(slots.size).toBe(5)
  })

  it('takes its caps from the relay config, validated like the other limits', () => {
    const limits = parseRelayConfig({}).limits
    expect([limits.maxStreamsPerAddress, limits.maxConnectionsPerAddress, limits.unauthenticatedIdleTimeoutMs]).toEqual([64, 32, 10_000])
    const field = (input: unknown): string | undefined => { try { parseRelayConfig(input) } catch (err) { return (err as { field?: string }).field } }
    expect(field({ limits: { maxStreamsPerAddress: 0 } })).toBe('limits.maxStreamsPerAddress')
    expect(field({ limits: { maxConnectionsPerAddress: 1.5 } })).toBe('limits.maxConnectionsPerAddress')
    expect(field({ limits: { unauthenticatedIdleTimeoutMs: 'soon' } })).toBe('limits.unauthenticatedIdleTimeoutMs')
  })
})
