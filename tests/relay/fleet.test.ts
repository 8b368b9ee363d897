import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MailboxErrorCode } from '../../src/net/mailbox-codec.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { dayOf, partitionName } from '../../src/relay/pg-store/partitions.js'
import type { Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay, type TestOwner } from './helpers.js'

/** Envelopes of the round-robin test (the figure; about 10–20 s here). */
const ROUND_ROBIN_ENVELOPES = 10_000
const FAST = { perSecond: 1_000_000, burst: 1_000_000 }
const LIMITS: RelayConfigInput['limits'] = { depositRate: FAST, fetchRate: FAST, mailboxMaxEnvelopes: 100_000 }

describe('relay fleet: three relay processes on one PostgreSQL', () => {
  let pg: TestPostgres
  let dir: { path: string, cleanup: () => Promise<void> }
  let url: string
  const relays: Relay[] = []
  let client: Libp2p

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-')
    url = await freshDatabase(pg)
    for (let i = 0; i < 3; i++) relays.push(await startTestRelay(`${dir.path}/r${i}`, { store: { postgres: url }, limits: LIMITS }))
    client = await startClient()
  })

  afterAll(async () => {
    await client?.stop()
    for (const r of relays) await r.stop()
    await pg?.destroy()
    await dir?.cleanup()
  })

  it(`${ROUND_ROBIN_ENVELOPES} envelopes deposited round-robin are each fetched exactly once by owners on other processes`, async () => {
    const owners = Array.from({ length: 12 }, () => makeOwner())
    const sender = new MailboxClient(client)
    // owners log in first (an unowned mailbox holds only a few hundred envelopes)
    await Promise.all(owners.map(async (o, k) => await sender.fetch(relays[k % 3].multiaddrs[0], o)))
    const expected = new Map<string, Set<string>>(owners.map((o) => [hex(o.deviceKey), new Set()]))
    // at most 3 × 48 requests in flight: under the client's per-stream pipeline cap (64)
    const CHUNK = 144
    for (let start = 0; start < ROUND_ROBIN_ENVELOPES; start += CHUNK) {
      await Promise.all(Array.from({ length: Math.min(CHUNK, ROUND_ROBIN_ENVELOPES - start) }, async (_, k) => {
        const n = start + k
        const owner = owners[n % owners.length]
        const envelope = makeEnvelope(owner.deviceKey, { payload: new Uint8Array(100) })
        expect(await sender.deposit(relays[n % 3].multiaddrs[0], envelope)).toEqual({ duplicate: false })
        expected.get(hex(owner.deviceKey))?.add(hex(envelope.id))
      }))
    }
    await sender.stop()
    // owner k drains through relay (k + 1) % 3, where about a third of its envelopes were deposited
    const reader = new MailboxClient(client)
    const seen = new Map<string, string[]>()
    await Promise.all(owners.map(async (owner, k) => {
      const ids: string[] = []
      await reader.drain(relays[(k + 1) % 3].multiaddrs[0], owner, (e) => { ids.push(hex(e.id)) }, { pageSize: 200 })
      seen.set(hex(owner.deviceKey), ids)
    }))
    let total = 0
    for (const [mailbox, ids] of seen) {
      expect(new Set(ids).size).toBe(ids.length) // none twice
      expect(new Set(ids)).toEqual(expected.get(mailbox))
      total += ids.length
    }
    expect(total).toBe(ROUND_ROBIN_ENVELOPES)
    // everything was acked: no process holds anything for them any more
    for (const owner of owners) {
      for (const r of relays) expect((await r.storage.mailboxState(hex(owner.deviceKey))).envelopes).toBe(0)
    }
    await reader.stop()
  })

  it('pushes to a subscriber on one process what was deposited through another', async () => {
    const owner = makeOwner()
    const ownerClient = new MailboxClient(await startClient())
    const sender = new MailboxClient(client)
    const pushed: string[] = []
    const sub = await ownerClient.subscribe(relays[1].multiaddrs[0], owner, (e) => { pushed.push(hex(e.id)) })
    const envelopes = [makeEnvelope(owner.deviceKey), makeEnvelope(owner.deviceKey)]
    await sender.deposit(relays[0].multiaddrs[0], envelopes[0])
    await sender.deposit(relays[2].multiaddrs[0], envelopes[1])
    await waitFor(() => pushed.length === 2, 10_000, 'pushes from the other processes')
    expect(pushed.sort()).toEqual(envelopes.map((e) => hex(e.id)).sort())
    // a deposit at the subscriber's own process is pushed once, not once more through the notice
    const own = makeEnvelope(owner.deviceKey)
    await sender.deposit(relays[1].multiaddrs[0], own)
    await waitFor(() => pushed.length >= 3, 10_000, 'push from its own process')
    const marker = makeEnvelope(owner.deviceKey)
    await sender.deposit(relays[0].multiaddrs[0], marker)
    await waitFor(() => pushed.includes(hex(marker.id)), 10_000, 'marker push')
    expect(pushed.filter((id) => id === hex(own.id))).toHaveLength(1)
    sub.close()
    await sub.closed
    await sender.stop()
    await ownerClient.stop()
  })

  it('purges an owner silent past its inactivity period from every process', async () => {
    const owner: TestOwner = makeOwner()
    const ownerClient = new MailboxClient(client)
    // the owner logs in (and is pushed nothing) through relay 0; envelopes arrive through relay 2
    await ownerClient.fetch(relays[0].multiaddrs[0], owner)
    await ownerClient.deposit(relays[2].multiaddrs[0], makeEnvelope(owner.deviceKey))
    const mailbox = hex(owner.deviceKey)
    expect(await relays[1].storage.getOwner(mailbox)).toBeDefined()
    // a sweep on relay 1, run as if the owner's period had passed: inactivity override of 1 ms
    const sweeper = await startTestRelay(`${dir.path}/sweeper`, { store: { postgres: url }, limits: LIMITS, sweep: { inactivityOverrideMs: 1 } })
    try {
      await new Promise((resolve) => setTimeout(resolve, 5)) // the owner's login is now older than 1 ms
      const { purged } = await sweeper.sweep()
      expect(purged).toBeGreaterThanOrEqual(1)
    } finally {
      await sweeper.stop()
    }
    for (const r of relays) {
      expect(await r.storage.getOwner(mailbox)).toBeUndefined()
      expect(await r.storage.mailboxState(mailbox)).toEqual({ owned: false, envelopes: 0, oneTimePrekeys: 0 })
    }
    await ownerClient.stop()
  })
})

describe('relay fleet: retention and the database going away', () => {
  let pg: TestPostgres

  beforeAll(async () => { pg = await startPostgres() })
  afterAll(async () => { await pg?.destroy() })

  it('drops a day partition once its day is past, settling counters from any process', async () => {
    const url = await freshDatabase(pg)
    const limits = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
    const a = new PgMailboxStore({ url, limits })
    const b = new PgMailboxStore({ url, limits })
    await a.open()
    await b.open()
    try {
      const now = Date.UTC(2026, 0, 10, 12)
      const mailbox = 'ab'.repeat(32)
      const deposit = async (store: PgMailboxStore, expiresAt: number): Promise<void> => {
        const e = makeEnvelope(Buffer.from(mailbox, 'hex'))
        const { Envelope } = await import('../../src/wire/parley.js')
        await store.deposit({ mailbox, id: hex(e.id), bytes: Envelope.encode(e), expiresAt, secret: false, now })
      }
      // two envelopes expiring the day after `now`, one a week later
      await deposit(a, now + 86_400_000)
      await deposit(b, now + 86_400_000 + 1000)
      await deposit(a, now + 7 * 86_400_000)
      const sql = await connectSql(url)
      const exists = async (day: number): Promise<boolean> => (await sql<Array<{ t: string | null }>>`SELECT to_regclass(${partitionName(day)}) AS t`)[0].t != null
      const nextDay = dayOf(now + 86_400_000)
      expect(await exists(nextDay)).toBe(true)
      // two days later, through the other process: the next day's partition goes whole
      const removed = await b.deleteExpired(now + 2 * 86_400_000 + 3_600_000)
      expect(removed).toBe(2)
      expect(await exists(nextDay)).toBe(false)
      expect(await exists(dayOf(now + 7 * 86_400_000))).toBe(true)
      expect((await a.mailboxState(mailbox)).envelopes).toBe(1)
      expect((await sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM envelope_ids`)[0].n).toBe(1)
      await sql.end()
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('stores an envelope deposited through two processes at once exactly once (ids conflict in the database, not in memory)', async () => {
    const url = await freshDatabase(pg)
    const limits = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
    const a = new PgMailboxStore({ url, limits })
    const b = new PgMailboxStore({ url, limits })
    await a.open()
    await b.open()
    try {
      const { Envelope } = await import('../../src/wire/parley.js')
      const mailbox = 'ab'.repeat(32)
      const now = Date.now()
      const envelopes = Array.from({ length: 200 }, () => makeEnvelope(Buffer.from(mailbox, 'hex')))
      const input = (e: typeof envelopes[number]): Parameters<PgMailboxStore['deposit']>[0] => ({ mailbox, id: hex(e.id), bytes: Envelope.encode(e), expiresAt: now + 60_000, secret: false, now })
      // every id goes to both processes in the same turn: their groups race for the same ids
      const results = await Promise.all(envelopes.flatMap((e) => [a.deposit(input(e)), b.deposit(input(e))]))
      for (let i = 0; i < envelopes.length; i++) {
        expect([results[2 * i].duplicate, results[2 * i + 1].duplicate].sort()).toEqual([false, true])
      }
      expect((await a.mailboxState(mailbox)).envelopes).toBe(envelopes.length)
      expect((await b.fetch(mailbox, '', 1000, 1 << 30, now)).envelopes).toHaveLength(envelopes.length)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('counts an address\'s share of stored bytes fleet-wide: what one process stored counts at another, and an ack through either releases it', async () => {
    const url = await freshDatabase(pg)
    const limits = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10, storedBytesPerAddress: 3000 }
    const a = new PgMailboxStore({ url, limits })
    const b = new PgMailboxStore({ url, limits })
    await a.open()
    await b.open()
    try {
      const { Envelope } = await import('../../src/wire/parley.js')
      const keys = { address: '203.0.113.7' }
      // both processes tag the same address alike (the fleet's hash key)
      const tag = a.depositorTag(keys)
      expect(b.depositorTag(keys)).toBe(tag)
      expect(tag).not.toBe(0)
      const mailbox = 'ab'.repeat(32)
      const now = Date.now()
      const deposit = async (store: PgMailboxStore): Promise<{ code: string, id: string }> => {
        const e = makeEnvelope(Buffer.from(mailbox, 'hex'), { payload: new Uint8Array(900) })
        try {
          await store.deposit({ mailbox, id: hex(e.id), bytes: Envelope.encode(e), expiresAt: now + 60_000, secret: false, now, depositor: tag })
          return { code: 'ok', id: hex(e.id) }
        } catch (err) {
          return { code: (err as { quota?: string }).quota ?? 'other', id: hex(e.id) }
        }
      }
      // ~1 KB each: three fit in 3000 bytes, whichever process took them
      const first = await deposit(a)
      expect((await deposit(b)).code).toBe('ok')
      expect((await deposit(a)).code).toBe('ok')
      expect((await deposit(b)).code).toBe('address_storage')
      expect((await deposit(a)).code).toBe('address_storage')
      // acked through the other process: the share is free again for both
      expect(await b.ack(mailbox, [first.id])).toBe(1)
      expect((await deposit(a)).code).toBe('ok')
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('refuses deposits with a retryable ERR_STORE_UNAVAILABLE while PostgreSQL restarts, and recovers without a restart', async () => {
    const url = await freshDatabase(pg)
    const dir = await tempDir('parley-fleet-down-')
    const relay = await startTestRelay(`${dir.path}/r`, { store: { postgres: url }, limits: LIMITS })
    const client = await startClient()
    const sender = new MailboxClient(client, { })
    const owner = makeOwner()
    // the load stops and the server runs again whatever happens (a failed check must not leave a spinning loop)
    const state = { stop: false, down: false }
    let load: Promise<void> | undefined
    try {
      const addr = relay.multiaddrs[0]
      const acked: string[] = []
      const deposit = async (): Promise<string> => {
        const e = makeEnvelope(owner.deviceKey)
        try {
          await sender.deposit(addr, e)
          acked.push(hex(e.id))
          return 'ok'
        } catch (err) {
          return (err as { code?: string }).code ?? 'unknown'
        }
      }
      // load while the server goes away
      const outcomes: string[] = []
      load = (async () => { while (!state.stop) outcomes.push(await deposit()) })()
      await waitFor(() => acked.length >= 20, 20_000, 'deposits before the restart')
      state.down = true
      await pg.stop()
      await waitFor(() => outcomes.slice(-3).every((o) => o === MailboxErrorCode.STORE_UNAVAILABLE) && outcomes.length > 3, 20_000, 'refusals while down')
      const health = await fetch(`http://${relay.metricsAddress}/healthz`)
      expect(health.status).toBe(503)
      expect(await health.text()).toContain('database: postgres down')
      await pg.start()
      state.down = false
      const before = acked.length
      await waitFor(() => acked.length >= before + 20, 30_000, 'deposits after the restart')
      state.stop = true
      await load
      expect(new Set(outcomes)).toEqual(new Set(['ok', MailboxErrorCode.STORE_UNAVAILABLE]))
      await waitFor(async () => (await fetch(`http://${relay.metricsAddress}/healthz`)).status === 200, 10_000, 'healthy again')
      // nothing acknowledged was lost
      const ids: string[] = []
      await sender.drain(addr, owner, (e) => { ids.push(hex(e.id)) }, { pageSize: 200 })
      expect(new Set(ids)).toEqual(new Set(acked))
      const metrics = await (await fetch(`http://${relay.metricsAddress}/metrics`)).text()
      expect(metrics).toMatch(/parley_relay_db_operations_total\{result="unavailable"\} [1-9]/)
      expect(metrics).toMatch(/parley_relay_db_up 1/)
    } finally {
      state.stop = true
      await load
      if (state.down) await pg.start()
      await sender.stop()
      await client.stop()
      await relay.stop()
      await dir.cleanup()
    }
  })
})
