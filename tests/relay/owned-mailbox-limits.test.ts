import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { randomBytes } from '@noble/hashes/utils.js'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient, MailboxPrekey } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import { parseRelayConfig, type RelayConfigInput } from '../../src/relay/config/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, startTestRelay, type TestOwner } from './helpers.js'

// Loopback stands for remote hosts: the per-address exemption is off, and each client's TCP
// socket is bound to the address it stands for (Linux routes all of 127.0.0.0/8 to lo).
const ATTACKER = '127.0.0.1'
const HONEST = '127.0.0.2'
const ATTACKER_2 = '127.0.0.3'
const KiB = 1024
const HOUR = 3600 * 1000

/** One-time keys as an honest device uploads them: `count` of each kind, X25519 32 B, ML-KEM ~1.3 KB with its signature. */
function honestPrekeys (first: number, count: number): MailboxPrekey[] {
  return Array.from({ length: count }, (_, i) => [
    { id: first + i, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) },
    { id: first + i, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(1270) }
  ]).flat()
}

/** `count` one-time keys of the largest blob the protocol takes (2 KiB). */
function bulkyPrekeys (first: number, count: number): MailboxPrekey[] {
  return Array.from({ length: count }, (_, i) => ({ id: first + i, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(2048) }))
}

async function codeOf (work: Promise<unknown>): Promise<string> {
  return work.then(() => 'ok', (err: unknown) => {
    if (!(err instanceof MailboxRefusedError)) throw err
    return err.code
  })
}

describe('owned mailboxes cannot be used to fill a relay', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  const nodes: Libp2p[] = []
  const clients: MailboxClient[] = []
  const relays: Relay[] = []

  beforeAll(async () => { dir = await tempDir('parley-relay-owned-') })

  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.stop()))
    await Promise.all(nodes.map(async (n) => n.stop()))
    await Promise.all(relays.map(async (r) => r.stop()))
    await dir?.cleanup()
  })

  /** A client on a fresh throwaway PeerId whose connections come from `localAddress`. */
  async function clientFrom (localAddress: string): Promise<MailboxClient> {
    // @libp2p/tcp hands dialOpts to net.connect, which binds the socket to localAddress (not in its type)
    const dialOpts = { localAddress } as unknown as TCPSocketOptions
    const node = await createLibp2p({
      addresses: { listen: [] },
      transports: [tcp({ dialOpts })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    nodes.push(node)
    const client = new MailboxClient(node)
    clients.push(client)
    return client
  }

  async function relayWith (name: string, config: RelayConfigInput): Promise<Relay> {
    const relay = await startTestRelay(`${dir.path}/${name}`, { ...config, limits: { addressLimitExempt: [], ...config.limits } })
    relays.push(relay)
    return relay
  }

  it('prekey uploads count in the address\'s share, the mailbox\'s prekey bytes and the relay\'s storage; an honest device keeps uploading', async () => {
    // scaled down: a 1 MiB relay, 256 KiB per address, 160 KiB of prekeys per mailbox (the default)
    const relay = await relayWith('prekey-bytes', { limits: { storageMaxBytes: 1024 * KiB, storedBytesPerAddress: 256 * KiB } })
    const addr = relay.multiaddrs[0]
    // the attack: throwaway accounts (a first login costs nothing) upload the largest prekeys the
    // protocol takes, and rewrite them with replace, all from one address
    const junk = [makeOwner(), makeOwner(), makeOwner(), makeOwner()]
    const attacker = await Promise.all(junk.map(async () => clientFrom(ATTACKER)))
    // 400 KiB of prekeys for one mailbox: past the mailbox's prekey bytes
    expect(await codeOf(attacker[0].uploadPrekeys(addr, junk[0], { oneTime: bulkyPrekeys(1, 200) }))).toBe('ERR_PREKEY_LIMIT')
    // 120 KiB per mailbox fits it; rewriting the same mailbox again and again takes no more room
    const outcomes: string[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < junk.length; i++) outcomes.push(await codeOf(attacker[i].uploadPrekeys(addr, junk[i], { oneTime: bulkyPrekeys(round * 100, 60), replace: true })))
    }
    // two mailboxes' worth fit the address's 256 KiB share; the others are refused, every round
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(6)
    expect(new Set(outcomes.filter((o) => o !== 'ok'))).toEqual(new Set(['ERR_STORAGE_FULL']))
    expect(relay.store.totalBytes).toBeGreaterThan(2 * 60 * 2 * KiB)
    expect(relay.store.totalBytes).toBeLessThanOrEqual(256 * KiB)
    expect(relay.metrics.get('parley_relay_quota_refusals_total', { quota: 'prekey_bytes' })).toBe(1)
    expect(relay.metrics.get('parley_relay_quota_refusals_total', { quota: 'address_storage' })).toBe(6)

    // an honest device on another address: first login, its 20 keys per kind, topped up with replace
    const device = makeOwner()
    const honest = await clientFrom(HONEST)
    expect(await honest.uploadPrekeys(addr, device, { oneTime: honestPrekeys(1, 20), replace: true })).toBe(40)
    expect(await honest.uploadPrekeys(addr, device, { oneTime: honestPrekeys(21, 20), replace: true })).toBe(40)
    const sender = await clientFrom(HONEST)
    const bundle = await sender.takePrekey(addr, device.deviceKey)
    expect(bundle.filter((p) => !p.lastResort)).toHaveLength(2)
    await sender.deposit(addr, makeEnvelope(device.deviceKey, { payload: new Uint8Array(16 * KiB) }))
    expect((await honest.fetch(addr, device)).envelopes).toHaveLength(1)

    // the junk mailboxes purged, their prekey bytes leave the relay's total and the address's share
    for (const owner of junk) await relay.store.purgeMailbox(hex(owner.deviceKey))
    expect(relay.store.totalBytes).toBeLessThan(64 * KiB)
    expect(await codeOf((await clientFrom(ATTACKER)).uploadPrekeys(addr, makeOwner(), { oneTime: bulkyPrekeys(1, 60) }))).toBe('ok')
  })

  it('prekey uploads take from the address\'s byte-rate bucket, like deposits', async () => {
    const relay = await relayWith('prekey-rate', { limits: { depositByteRatePerAddress: { perSecond: 1, burst: 100 * KiB } } })
    const addr = relay.multiaddrs[0]
    const junk = makeOwner()
    const attacker = await clientFrom(ATTACKER)
    expect(await codeOf(attacker.uploadPrekeys(addr, junk, { oneTime: bulkyPrekeys(1, 40), replace: true }))).toBe('ok')
    expect(await codeOf(attacker.uploadPrekeys(addr, junk, { oneTime: bulkyPrekeys(1, 40), replace: true }))).toBe('ERR_RATE_LIMITED')
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'prekey_upload_bytes', scope: 'address' })).toBe(1)
    // the same bucket as deposits: the attacker's deposits are slowed too, another address's are not
    expect(await codeOf(attacker.deposit(addr, makeEnvelope(junk.deviceKey, { payload: new Uint8Array(32 * KiB) })))).toBe('ERR_RATE_LIMITED')
    const device = makeOwner()
    const honest = await clientFrom(HONEST)
    expect(await honest.uploadPrekeys(addr, device, { oneTime: honestPrekeys(1, 20), replace: true })).toBe(40)
    await honest.deposit(addr, makeEnvelope(device.deviceKey, { payload: new Uint8Array(32 * KiB) }))
  })

  it('one address creates owned mailboxes only at its rate and up to its share; honest first logins go on', async () => {
    const shared = await relayWith('owned-share', { limits: { ownedMailboxesPerAddress: 4, ownedMailboxRatePerAddress: { perSecond: 0.001, burst: 100 } } })
    const rated = await relayWith('owned-rate', { limits: { ownedMailboxesPerAddress: 100, ownedMailboxRatePerAddress: { perSecond: 0.001, burst: 3 } } })
    // the attack: throwaway accounts log in (a first login needs only a record they sign themselves)
    const junk = Array.from({ length: 7 }, () => makeOwner())
    const attacker = await Promise.all(junk.map(async () => clientFrom(ATTACKER)))
    const logins = async (relay: Relay): Promise<string[]> => {
      const codes: string[] = []
      for (let i = 0; i < junk.length; i++) codes.push(await codeOf(attacker[i].fetch(relay.multiaddrs[0], junk[i])))
      return codes
    }
    expect(await logins(shared)).toEqual(['ok', 'ok', 'ok', 'ok', 'ERR_STORAGE_FULL', 'ERR_STORAGE_FULL', 'ERR_STORAGE_FULL'])
    expect(shared.metrics.get('parley_relay_quota_refusals_total', { quota: 'address_mailboxes' })).toBe(3)
    expect(shared.store.mailboxes).toBe(4)
    expect(await logins(rated)).toEqual(['ok', 'ok', 'ok', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED'])
    expect(rated.metrics.get('parley_relay_rate_limited_total', { op: 'new_mailbox', scope: 'address' })).toBe(4)
    expect(rated.store.mailboxes).toBe(3)

    // mailboxes the address already owns still log in; another address creates its own
    const again = await clientFrom(ATTACKER)
    expect(await codeOf(again.fetch(shared.multiaddrs[0], junk[0]))).toBe('ok')
    for (const relay of [shared, rated]) {
      const device = makeOwner()
      const honest = await clientFrom(HONEST)
      expect((await honest.fetch(relay.multiaddrs[0], device)).envelopes).toEqual([])
      expect(await honest.uploadPrekeys(relay.multiaddrs[0], device, { oneTime: honestPrekeys(1, 20) })).toBe(40)
    }
    // a purged mailbox gives its creator's share back
    await shared.store.purgeMailbox(hex(junk[1].deviceKey))
    expect(await codeOf(attacker[4].fetch(shared.multiaddrs[0], junk[4]))).toBe('ok')
  })

  it('at maxMailboxes provisional owned mailboxes go before anyone is refused, and the sweep purges them after their short life', async () => {
    let now = Date.now()
    const config = {
      dataDir: `${dir.path}/provisional`,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' as const },
      limits: { addressLimitExempt: [], maxMailboxes: 6, ownedMailboxesPerAddress: 3, provisionalMailboxMs: 12 * HOUR }
    }
    let relay = await startRelay(config, { logger: silentLogger, now: () => now })
    relays.push(relay) // stop() is idempotent: stopped below, and again after the tests
    let addr = relay.multiaddrs[0]
    // an honest device that settled: first login, its prekeys, and a later login of its own
    const settled = makeOwner()
    expect(await (await clientFrom(HONEST)).uploadPrekeys(addr, settled, { oneTime: honestPrekeys(1, 20) })).toBe(40)
    now += 1000
    expect((await (await clientFrom(HONEST)).fetch(addr, settled)).envelopes).toEqual([])
    // a device a contact wrote to
    const written = makeOwner()
    await (await clientFrom(HONEST)).fetch(addr, written)
    await (await clientFrom(HONEST)).deposit(addr, makeEnvelope(written.deviceKey))
    // the attack: two addresses fill the rest of the relay's mailboxes with throwaway logins
    const junk: TestOwner[] = []
    for (const from of [ATTACKER, ATTACKER_2]) {
      for (let i = 0; i < 2; i++) {
        const owner = makeOwner()
        now += 1000
        expect(await codeOf((await clientFrom(from)).fetch(addr, owner))).toBe('ok')
        junk.push(owner)
      }
    }
    expect(relay.store.mailboxes).toBe(6)
    expect(relay.store.provisionalMailboxes).toBe(4)

    // a new honest device's first login, and a deposit that creates a mailbox, are still served
    const newcomer = makeOwner()
    expect(await codeOf((await clientFrom(HONEST)).fetch(addr, newcomer))).toBe('ok')
    const stranger = makeOwner()
    await (await clientFrom(HONEST)).deposit(addr, makeEnvelope(stranger.deviceKey))
    expect(relay.metrics.get('parley_relay_evicted_provisional_mailboxes_total')).toBe(2)
    expect(relay.store.isOwned(hex(junk[0].deviceKey))).toBe(false)
    expect(relay.store.isOwned(hex(junk[1].deviceKey))).toBe(false)
    expect(relay.store.mailboxes).toBe(6)

    // which mailboxes are provisional survives a restart
    await relay.stop()
    relay = await startRelay(config, { logger: silentLogger, now: () => now })
    relays.push(relay)
    addr = relay.multiaddrs[0]
    expect(relay.store.provisionalMailboxes).toBe(3)

    // half a day on (the test records live a day), the sweep purges the provisional ones; the
    // settled and written-to devices stay
    now += 13 * HOUR
    const { purged } = await relay.sweep()
    expect(purged).toBe(3) // junk[2], junk[3] and the newcomer that never came back
    expect(relay.metrics.get('parley_relay_purged_provisional_mailboxes_total')).toBe(3)
    expect(relay.store.provisionalMailboxes).toBe(0)
    expect(relay.store.isOwned(hex(settled.deviceKey))).toBe(true)
    expect(relay.store.prekeyCount(hex(settled.deviceKey))).toBe(40)
    expect((await (await clientFrom(HONEST)).fetch(addr, written)).envelopes).toHaveLength(1)
    // a purged device's next login creates its mailbox again
    expect(await codeOf((await clientFrom(HONEST)).fetch(addr, newcomer))).toBe('ok')
  })

  it('a device\'s one-time prekey budget is kept with its mailbox: a relay restart does not reset it', async () => {
    const config = {
      dataDir: `${dir.path}/budget`,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' as const },
      limits: { addressLimitExempt: [], mailboxPrekeyRate: { perSecond: 0.001, burst: 2 } }
    }
    let relay = await startRelay(config, { logger: silentLogger })
    relays.push(relay)
    const device = makeOwner()
    const lastResort = [{ id: 900, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) }, { id: 901, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(1270) }]
    expect(await (await clientFrom(HONEST)).uploadPrekeys(relay.multiaddrs[0], device, { oneTime: honestPrekeys(1, 10), lastResort })).toBe(20)
    const oneTimeTakes = async (relay: Relay, takes: number): Promise<number> => {
      let oneTime = 0
      for (let i = 0; i < takes; i++) {
        const bundle = await (await clientFrom(ATTACKER)).takePrekey(relay.multiaddrs[0], device.deviceKey)
        if (bundle.some((p) => !p.lastResort)) oneTime++
      }
      return oneTime
    }
    expect(await oneTimeTakes(relay, 3)).toBe(2)
    await relay.stop()
    relay = await startRelay(config, { logger: silentLogger })
    relays.push(relay)
    // the budget is still spent: takers get the last-resort keys
    expect(await oneTimeTakes(relay, 2)).toBe(0)
    expect(relay.store.prekeyCount(hex(device.deviceKey))).toBe(16)
  })
})

describe('the owned-mailbox and prekey limits in the relay config', () => {
  it('have defaults, take null for the rate, and name a bad field', () => {
    const defaults = parseRelayConfig({}).limits
    expect(defaults.mailboxPrekeyMaxBytes).toBe(160 * KiB)
    expect(defaults.ownedMailboxesPerAddress).toBe(10_000)
    expect(defaults.ownedMailboxRatePerAddress).toEqual({ perSecond: 0.1, burst: 100 })
    expect(defaults.provisionalMailboxMs).toBe(72 * HOUR)
    const config = parseRelayConfig({ limits: { ownedMailboxRatePerAddress: null, mailboxPrekeyMaxBytes: 4096 } })
    expect(config.limits.ownedMailboxRatePerAddress).toBeNull()
    expect(config.limits.mailboxPrekeyMaxBytes).toBe(4096)
    expect(parseRelayConfig({ limits: { ownedMailboxRatePerAddress: { burst: 5 } } }).limits.ownedMailboxRatePerAddress).toEqual({ perSecond: 0.1, burst: 5 })
    const field = (input: unknown): string | undefined => { try { parseRelayConfig(input) } catch (err) { return (err as { field?: string }).field } }
    expect(field({ limits: { ownedMailboxesPerAddress: 0 } })).toBe('limits.ownedMailboxesPerAddress')
    expect(field({ limits: { provisionalMailboxMs: -1 } })).toBe('limits.provisionalMailboxMs')
    expect(field({ limits: { mailboxPrekeyMaxBytes: 'big' } })).toBe('limits.mailboxPrekeyMaxBytes')
    expect(field({ limits: { ownedMailboxRatePerAddress: { perSecond: 0 } } })).toBe('limits.ownedMailboxRatePerAddress.perSecond')
  })
})
