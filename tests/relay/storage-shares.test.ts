import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import { silentLogger } from '../../src/relay/logger.js'
import { parseRelayConfig } from '../../src/relay/config/index.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

const KiB = 1024

/** A bare client whose TCP connections leave from `localAddress` (another loopback address: another host to the relay). */
async function startClientFrom (localAddress: string): Promise<Libp2p> {
  // @libp2p/tcp spreads dialOpts into net.connect(); its type lists only a subset of the socket options
  const dialOpts: TCPSocketOptions = { localAddress } as TCPSocketOptions
  return createLibp2p({
    addresses: { listen: [] },
    transports: [tcp({ dialOpts })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** Runs every deposit, returning how many were stored and the refusal codes. */
async function depositAll (deposits: Array<() => Promise<unknown>>): Promise<{ stored: number, refused: string[] }> {
  const results = await Promise.allSettled(deposits.map(async (d) => d()))
  const refused = results.filter((r) => r.status === 'rejected').map((r) => {
    const reason = (r as PromiseRejectedResult).reason as Error
    if (!(reason instanceof MailboxRefusedError)) throw reason
    return reason.code
  })
  return { stored: results.length - refused.length, refused }
}

describe('one address cannot fill the relay for everyone', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const nodes: Libp2p[] = []
  const relays: Relay[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-shares-')
  })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await Promise.all(relays.map(async (r) => r.stop()))
    await dir?.cleanup()
  })

  async function clients (count: number, from?: string): Promise<MailboxClient[]> {
    return Promise.all(Array.from({ length: count }, async () => {
      const node = from == null ? await startClient() : await startClientFrom(from)
      nodes.push(node)
      return new MailboxClient(node)
    }))
  }

  it('stops an address at its share of stored bytes; another address still deposits', async () => {
    // scaled down: a 1 MiB relay, 256 KiB per address; loopback stands for remote hosts here
    const relay = await startTestRelay(`${dir.path}/share`, { limits: { storageMaxBytes: 1024 * KiB, storedBytesPerAddress: 256 * KiB, addressLimitExempt: [] } })
    relays.push(relay)
    const addr = relay.multiaddrs[0]
    // the attacker authenticates throwaway accounts so that its junk sits in owned mailboxes
    // (never evicted for an owner) and deposits 1.25 MiB through fresh PeerIds, all from 127.0.0.1
    const attackers = await clients(4)
    const junkOwners = [makeOwner(), makeOwner()]
    for (const owner of junkOwners) await attackers[0].fetch(addr, owner)
    const flood = await depositAll(attackers.flatMap((peer, p) => Array.from({ length: 10 }, (_, i) => async () =>
      peer.deposit(addr, makeEnvelope(junkOwners[(p + i) % 2].deviceKey, { payload: new Uint8Array(32 * KiB) })))))
    // an honest sender on another address: every deposit to its contact's mailbox is stored
    const honestOwner = makeOwner()
    const [honest] = await clients(1, '127.0.0.2')
    const fromElsewhere = await depositAll(Array.from({ length: 10 }, () => async () =>
      honest.deposit(addr, makeEnvelope(honestOwner.deviceKey, { payload: new Uint8Array(16 * KiB) }))))
    expect(fromElsewhere).toEqual({ stored: 10, refused: [] })
    expect((await honest.fetch(addr, honestOwner, { limit: 100 })).envelopes).toHaveLength(10)

    expect(flood.stored).toBeGreaterThan(0)
    expect(flood.stored * 32 * KiB).toBeLessThanOrEqual(256 * KiB)
    expect(new Set(flood.refused)).toEqual(new Set(['ERR_STORAGE_FULL']))
    expect(relay.metrics.get('parley_relay_quota_refusals_total', { quota: 'address_storage' })).toBe(flood.refused.length)
    expect(relay.store.totalBytes).toBeLessThan(300 * KiB + 10 * 17 * KiB)

    // acked junk frees the attacker's share again
    const page = await attackers[0].fetch(addr, junkOwners[0], { limit: 100 })
    await attackers[0].ack(addr, junkOwners[0], page.envelopes.map((e) => e.id))
    await attackers[1].deposit(addr, makeEnvelope(junkOwners[0].deviceKey, { payload: new Uint8Array(32 * KiB) }))
  })

  it('limits the bytes an address deposits per second, whatever its PeerIds; another address is not slowed', async () => {
    const relay = await startTestRelay(`${dir.path}/rate`, { limits: { depositByteRatePerAddress: { perSecond: 16 * KiB, burst: 128 * KiB }, addressLimitExempt: [] } })
    relays.push(relay)
    const addr = relay.multiaddrs[0]
    const attackers = await clients(4)
    const started = Date.now()
    const flood = await depositAll(attackers.flatMap((peer) => Array.from({ length: 4 }, () => async () =>
      peer.deposit(addr, makeEnvelope(makeOwner().deviceKey, { payload: new Uint8Array(32 * KiB - 200) })))))
    const elapsedSeconds = (Date.now() - started) / 1000
    // 16 deposits of 32 KiB, each peer far below its own request bucket: the byte bucket holds 4 and refills by half an envelope a second
    expect(flood.stored).toBeGreaterThanOrEqual(3)
    expect(flood.stored).toBeLessThanOrEqual(4 + Math.ceil(elapsedSeconds / 2) + 1)
    expect(new Set(flood.refused)).toEqual(new Set(['ERR_RATE_LIMITED']))
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'deposit_bytes', scope: 'address' })).toBe(flood.refused.length)
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'deposit', scope: 'address' })).toBe(0)

    const [honest] = await clients(1, '127.0.0.2')
    await honest.deposit(addr, makeEnvelope(makeOwner().deviceKey, { payload: new Uint8Array(32 * KiB - 200) }))
  })
})

describe('mailboxes no owner has authenticated', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const nodes: Libp2p[] = []
  const relays: Relay[] = []
  let client: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-relay-unowned-')
    const node = await startClient()
    nodes.push(node)
    client = new MailboxClient(node)
  })

  afterAll(async () => {
    await client?.stop()
    await Promise.all(nodes.map(async (n) => n.stop()))
    await Promise.all(relays.map(async (r) => r.stop()))
    await dir?.cleanup()
  })

  it('are the first to go when junk to random device keys has filled the relay: an owner\'s deposit is stored', async () => {
    // per-address limits are off for loopback (default): this is junk from as many addresses as it takes
    const relay = await startTestRelay(`${dir.path}/evict`, { limits: { storageMaxBytes: 256 * KiB } })
    relays.push(relay)
    const addr = relay.multiaddrs[0]
    const owner = makeOwner()
    expect((await client.fetch(addr, owner)).envelopes).toEqual([]) // authenticated once: owned, empty
    let full = ''
    for (let i = 0; i < 40 && full === ''; i++) {
      try {
        await client.deposit(addr, makeEnvelope(makeOwner().deviceKey, { payload: new Uint8Array(16 * KiB) }))
      } catch (err) {
        full = (err as MailboxRefusedError).code
      }
    }
    expect(full).toBe('ERR_STORAGE_FULL')
    const junk = relay.store.unownedMailboxes
    expect(junk).toBeGreaterThan(10)

    await client.deposit(addr, makeEnvelope(owner.deviceKey, { payload: new Uint8Array(16 * KiB) }))
    expect((await client.fetch(addr, owner)).envelopes).toHaveLength(1)
    expect(relay.store.unownedMailboxes).toBeLessThan(junk)
    expect(relay.metrics.get('parley_relay_evicted_mailboxes_total')).toBe(junk - relay.store.unownedMailboxes)
    expect(relay.metrics.get('parley_relay_quota_refusals_total', { quota: 'storage' })).toBe(1)
  })

  it('cannot take the mailbox count from owners: an emptied owned mailbox stays counted, a new owner evicts the oldest', async () => {
    const relay = await startTestRelay(`${dir.path}/count`, { limits: { maxMailboxes: 3, maxUnownedMailboxes: 3 } })
    relays.push(relay)
    const addr = relay.multiaddrs[0]
    const owner = makeOwner()
    await client.deposit(addr, makeEnvelope(owner.deviceKey))
    const page = await client.fetch(addr, owner)
    expect(await client.ack(addr, owner, page.envelopes.map((e) => e.id))).toBe(1) // its mailbox is empty now
    const junk = await depositAll(Array.from({ length: 3 }, () => async () => client.deposit(addr, makeEnvelope(makeOwner().deviceKey))))
    expect(junk).toEqual({ stored: 2, refused: ['ERR_STORAGE_FULL'] })
    expect(relay.metrics.get('parley_relay_quota_refusals_total', { quota: 'mailboxes' })).toBe(1)
    // the owner is still known: its next envelope is stored though the count is reached
    await client.deposit(addr, makeEnvelope(owner.deviceKey))
    expect(relay.store.mailboxes).toBe(3)

    // a new owner authenticating at a full relay takes the oldest unowned mailbox's place
    const newcomer = makeOwner()
    expect((await client.fetch(addr, newcomer)).envelopes).toEqual([])
    expect(relay.store.unownedMailboxes).toBe(1)
    expect(relay.metrics.get('parley_relay_evicted_mailboxes_total')).toBe(1)
  })

  it('keep their envelopes for the short unowned retention; an envelope deposited once the owner authenticated gets the full one', async () => {
    let now = Date.now()
    const relay = await startRelay({
      dataDir: `${dir.path}/retention`,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' },
      limits: { unownedRetentionMs: 10_000 }
    }, { logger: silentLogger, now: () => now })
    relays.push(relay)
    const addr = relay.multiaddrs[0]
    const owner = makeOwner()
    const early = makeEnvelope(owner.deviceKey) // before the owner ever authenticated here
    await client.deposit(addr, early)
    expect((await client.fetch(addr, owner)).envelopes.map((e) => hex(e.id))).toEqual([hex(early.id)])
    const late = makeEnvelope(owner.deviceKey)
    await client.deposit(addr, late)
    now += 20_000
    expect((await relay.sweep()).expired).toBe(1)
    expect((await client.fetch(addr, owner)).envelopes.map((e) => hex(e.id))).toEqual([hex(late.id)])
  })
})

describe('the byte and unowned-mailbox limits in the relay config', () => {
  it('have defaults, take partial rates and null for off, and name a bad field', () => {
    const defaults = parseRelayConfig({}).limits
    expect(defaults.depositByteRatePerAddress).toEqual({ perSecond: 2 * 1024 * KiB, burst: 64 * 1024 * KiB })
    expect(defaults.storedBytesPerAddress).toBe(defaults.storageMaxBytes / 64)
    expect(defaults.unownedRetentionMs).toBe(48 * 3600 * 1000)
    const config = parseRelayConfig({ limits: { depositByteRatePerAddress: null, mailboxPrekeyRate: { burst: 4 }, maxUnownedMailboxes: 7 } })
    expect(config.limits.depositByteRatePerAddress).toBeNull()
    expect(config.limits.mailboxPrekeyRate).toEqual({ perSecond: 0.01, burst: 4 })
    expect(config.limits.maxUnownedMailboxes).toBe(7)
    const field = (input: unknown): string | undefined => { try { parseRelayConfig(input) } catch (err) { return (err as { field?: string }).field } }
    expect(field({ limits: { storedBytesPerAddress: 0 } })).toBe('limits.storedBytesPerAddress')
    expect(field({ limits: { unownedRetentionMs: 'soon' } })).toBe('limits.unownedRetentionMs')
    expect(field({ limits: { mailboxPrekeyRate: null } })).toBe('limits.mailboxPrekeyRate')
  })
})
