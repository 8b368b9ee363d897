import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRelayArgs, parseRelayConfig } from '../../src/relay/config/index.js'
import { ConfigError } from '../../src/relay/errors.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { DEPOSIT_CHANNEL, decodeNotices, encodeNotices } from '../../src/relay/pg-store/notify.js'
import type { RemoteDeposit } from '../../src/relay/mailbox-store/index.js'
import { Envelope } from '../../src/wire/parley.js'
import { waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeEnvelope } from './helpers.js'

const LIMITS = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }

describe('fleet deposit notices', () => {
  it('encode into payloads under the NOTIFY limit and decode back; malformed entries are skipped', () => {
    const notices = Array.from({ length: 300 }, (_, i) => ({ mailbox: 'ab'.repeat(32), seq: String(1000 + i), day: 20_000 }))
    const payloads = encodeNotices('origin1', notices)
    expect(payloads.length).toBeGreaterThan(1)
    for (const p of payloads) expect(p.length).toBeLessThan(8000)
    expect(payloads.flatMap((p) => decodeNotices(p).notices)).toEqual(notices)
    expect(decodeNotices(payloads[0]).origin).toBe('origin1')
    // hostile or damaged payloads: nothing but well-formed entries comes out
    const bad = decodeNotices(`x ${'z'.repeat(64)}:1:2 ${'ab'.repeat(32)}:-1:2 ${'ab'.repeat(32)}:1 :: ${'ab'.repeat(32)}:12:20000 ${'a'.repeat(5000)}:1:1`)
    expect(bad.notices).toEqual([{ mailbox: 'ab'.repeat(32), seq: '12', day: 20_000 }])
    expect(decodeNotices('').notices).toEqual([])
  })

  it('store.postgres and --postgres are checked like every other setting', () => {
    expect(parseRelayConfig({}).store).toEqual({ postgres: null, poolSize: 10 })
    expect(parseRelayConfig({ store: { postgres: 'postgres://u@h/db', poolSize: 4 } }).store).toEqual({ postgres: 'postgres://u@h/db', poolSize: 4 })
    expect(() => parseRelayConfig({ store: { postgres: 'mysql://h/db' } })).toThrow(ConfigError)
    expect(() => parseRelayConfig({ store: { poolSize: 0 } })).toThrow(ConfigError)
    expect(() => parseRelayConfig({ store: { other: 1 } as never })).toThrow(/store\.other/)
    expect(parseRelayArgs(['--postgres', 'postgres://u@h/db']).overrides.store).toEqual({ postgres: 'postgres://u@h/db' })
  })

  describe('on a real server', () => {
    let pg: TestPostgres
    beforeAll(async () => { pg = await startPostgres() })
    afterAll(async () => { await pg?.destroy() })

    it('a stranger\'s NOTIFY on the channel (garbage, unknown seqs) crashes nothing and pushes nothing; real deposits still arrive', async () => {
      const url = await freshDatabase(pg)
      const a = new PgMailboxStore({ url, limits: LIMITS })
      const b = new PgMailboxStore({ url, limits: LIMITS })
      await a.open()
      await b.open()
      const sql = await connectSql(url)
      try {
        const mailbox = 'cd'.repeat(32)
        const got: RemoteDeposit[] = []
        b.onRemoteDeposit((d) => { got.push(d) }, (m) => m === mailbox)
        for (const payload of ['', 'garbage', `other ${mailbox}:999999:20000`, `other ${mailbox}:1:notaday`, 'x'.repeat(7000)]) {
          await sql`SELECT pg_notify(${DEPOSIT_CHANNEL}, ${payload})`
        }
        const e = makeEnvelope(Buffer.from(mailbox, 'hex'))
        const now = Date.now()
        await a.deposit({ mailbox, id: hex(e.id), bytes: Envelope.encode(e), expiresAt: now + 60_000, secret: false, now })
        // another mailbox's deposit is not read by b (nobody subscribed to it there)
        const other = makeEnvelope(Buffer.from('ef'.repeat(32), 'hex'))
        await a.deposit({ mailbox: 'ef'.repeat(32), id: hex(other.id), bytes: Envelope.encode(other), expiresAt: now + 60_000, secret: false, now })
        await waitFor(() => got.length >= 1, 10_000, 'the real deposit pushed')
        const marker = makeEnvelope(Buffer.from(mailbox, 'hex'))
        await a.deposit({ mailbox, id: hex(marker.id), bytes: Envelope.encode(marker), expiresAt: now + 60_000, secret: false, now })
        await waitFor(() => got.length >= 2, 10_000, 'the marker pushed')
        expect(got.map((d) => d.id)).toEqual([hex(e.id), hex(marker.id)])
        expect(hex(got[0].bytes)).toBe(hex(Envelope.encode(e)))
        expect(b.health().ok).toBe(true)
      } finally {
        await sql.end()
        await a.close()
        await b.close()
      }
    })
  })
})
