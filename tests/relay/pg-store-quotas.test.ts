import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QuotaExceededError } from '../../src/relay/errors.js'
import type { MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { PgMailboxStore, type PgMailboxStoreInit } from '../../src/relay/pg-store/index.js'
import { MailboxPrekey } from '../../src/wire/mailbox.js'
import type { MailboxOwner } from '../../src/wire/relay-store.js'
import { Envelope } from '../../src/wire/parley.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'

/**
 * The PostgreSQL store's prekey pools, evictions and per-address shares, each through two store
 * instances on one database (two relay processes of a fleet): what one did, the other sees.
 */
const LIMITS: MailboxStoreLimits = {
  mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 50,
  maxUnownedMailboxes: 100, unownedMailboxMaxBytes: 1 << 20, unownedMailboxMaxEnvelopes: 100
}
const owner = (lastAuthAt = Date.now()): MailboxOwner => ({ accountKey: new Uint8Array(32), inactivityDays: 30, lastAuthAt: BigInt(lastAuthAt), recordSequence: 1n })
const newMailbox = (): string => randomBytes(32).toString('hex')

function depositFor (mailbox: string, size = 200, depositor = 0): Parameters<PgMailboxStore['deposit']>[0] {
  const id = randomBytes(16)
  const bytes = Envelope.encode({ version: 1, id, recipientDevice: Buffer.from(mailbox, 'hex'), payload: randomBytes(size), createdAt: 1n, expiresAt: 0n, flags: 0 })
  return { mailbox, id: id.toString('hex'), bytes, expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now(), depositor }
}

async function quotaOf (p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok' } catch (err) { return err instanceof QuotaExceededError ? `${err.code}/${err.quota ?? ''}` : `unexpected: ${(err as Error).message}` }
}

const oneTime = (ids: number[], size = 32): MailboxPrekey[] => ids.flatMap((id) => [
  { id, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(size) },
  { id, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(size * 2) }
])
const lastResort = (): MailboxPrekey[] => [
  { id: 900, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) },
  { id: 901, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(64) }
]
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i)

describe('PostgreSQL store across two processes: prekeys, evictions, per-address shares', () => {
  let pg: TestPostgres
  const open: PgMailboxStore[] = []

  beforeAll(async () => { pg = await startPostgres() })
  afterAll(async () => {
    for (const s of open) await s.close()
    await pg?.destroy()
  })

  /** Two stores (processes) on a fresh database. */
  async function pair (limits: Partial<MailboxStoreLimits> = {}, events: PgMailboxStoreInit['events'] = {}): Promise<[PgMailboxStore, PgMailboxStore]> {
    const url = await freshDatabase(pg)
    const make = async (): Promise<PgMailboxStore> => {
      const s = new PgMailboxStore({ url, limits: { ...LIMITS, ...limits }, events, totalsRefreshMs: 60_000 })
      await s.open()
      open.push(s)
      return s
    }
    return [await make(), await make()]
  }

  it('hands each one-time prekey out once, whichever process takes it and however many take at once; then the last-resort keys', async () => {
    const [a, b] = await pair()
    const mailbox = newMailbox()
    await a.setOwner(mailbox, owner())
    expect(await a.putPrekeys(mailbox, { oneTime: oneTime(range(1, 10)), lastResort: lastResort(), replace: false })).toBe(20)
    expect((await b.mailboxState(mailbox)).oneTimePrekeys).toBe(20)
    // 16 takes at once, half through each process: 10 get one-time keys (one per kind), 6 the last-resort ones
    const takes = await Promise.all(range(0, 16).map(async (i) => await (i % 2 === 0 ? a : b).takePrekeys(mailbox)))
    const handed = takes.flatMap((t) => t.prekeys.filter((p) => !p.lastResort).map((p) => `${p.prekey.kind}:${p.prekey.id}`))
    expect(handed).toHaveLength(20)
    expect(new Set(handed).size).toBe(20)
    const lastOnly = takes.filter((t) => t.prekeys.every((p) => p.lastResort))
    expect(lastOnly).toHaveLength(6)
    for (const t of lastOnly) expect(t.prekeys.map((p) => p.prekey.id).sort()).toEqual([900, 901])
    expect((await a.mailboxState(mailbox)).oneTimePrekeys).toBe(0)
    // a replacing upload through the other process: only the new keys are held
    expect(await b.putPrekeys(mailbox, { oneTime: oneTime([20, 21]), lastResort: [], replace: true })).toBe(4)
    const next = await a.takePrekeys(mailbox)
    expect(next.prekeys.map((p) => [p.prekey.id, p.lastResort])).toEqual([[20, false], [20, false]])
  })

  it('keeps a device\'s one-time budget in its row: takes through both processes spend one budget', async () => {
    const [a, b] = await pair()
    const mailbox = newMailbox()
    await a.setOwner(mailbox, owner())
    await a.putPrekeys(mailbox, { oneTime: oneTime(range(1, 10)), lastResort: lastResort(), replace: false })
    const budget = { perSecond: 0.001, burst: 3 }
    const now = Date.now()
    const outcomes = []
    for (let i = 0; i < 6; i++) outcomes.push(await (i % 2 === 0 ? a : b).takePrekeys(mailbox, { budget, now }))
    expect(outcomes.map((t) => t.withheld)).toEqual([false, false, false, true, true, true])
    expect(outcomes.slice(3).every((t) => t.prekeys.every((p) => p.lastResort))).toBe(true)
    expect((await b.mailboxState(mailbox)).oneTimePrekeys).toBe(14)
  })

  it('refuses prekey uploads past the count and byte limits, through either process, changing nothing', async () => {
    const [a, b] = await pair({ maxPrekeysPerMailbox: 8, mailboxPrekeyMaxBytes: 2000 })
    const mailbox = newMailbox()
    await a.setOwner(mailbox, owner())
    expect(await a.putPrekeys(mailbox, { oneTime: oneTime([1, 2, 3]), lastResort: [], replace: false })).toBe(6)
    expect(await quotaOf(b.putPrekeys(mailbox, { oneTime: oneTime([4, 5]), lastResort: [], replace: false }))).toBe('ERR_PREKEY_LIMIT/prekeys')
    expect(await quotaOf(b.putPrekeys(mailbox, { oneTime: oneTime([4], 600), lastResort: [], replace: false }))).toBe('ERR_PREKEY_LIMIT/prekey_bytes')
    expect((await a.mailboxState(mailbox)).oneTimePrekeys).toBe(6)
  })

  it('counts prekey uploads in the uploading address\'s share of stored bytes, fleet-wide; a take releases it', async () => {
    const [a, b] = await pair({ storedBytesPerAddress: 1200 })
    const tag = a.depositorTag({ address: '203.0.113.9' })
    const [first, second, third] = [newMailbox(), newMailbox(), newMailbox()]
    for (const m of [first, second, third]) await a.setOwner(m, owner())
    // an id's two keys (32 and 64 bytes of blob) take 106 bytes encoded: 5 ids 530
    expect(await quotaOf(a.putPrekeys(first, { oneTime: oneTime(range(1, 5)), lastResort: [], replace: false, uploader: tag }))).toBe('ok')
    expect(await quotaOf(b.putPrekeys(second, { oneTime: oneTime(range(1, 5)), lastResort: [], replace: false, uploader: tag }))).toBe('ok')
    // 2 more ids at second: its 742 bytes with first's 530 are past the address's 1200
    const more = { oneTime: oneTime(range(6, 2)), lastResort: [], replace: false, uploader: tag }
    expect(await quotaOf(b.putPrekeys(second, more))).toBe('ERR_STORAGE_FULL/address_storage')
    // another address is not affected
    expect(await quotaOf(b.putPrekeys(third, { ...more, uploader: b.depositorTag({ address: '203.0.113.10' }) }))).toBe('ok')
    // first's keys all taken through a: its bytes leave the address's share, and b sees that
    for (let i = 0; i < 5; i++) await a.takePrekeys(first)
    expect((await b.mailboxState(first)).oneTimePrekeys).toBe(0)
    expect(await quotaOf(b.putPrekeys(second, more))).toBe('ok')
  })

  it('counts an address\'s first logins fleet-wide (owned-mailbox share); a purge through the other process frees one', async () => {
    const [a, b] = await pair({ ownedMailboxesPerAddress: 2 })
    const tag = a.depositorTag({ address: '198.51.100.4' })
    const m1 = newMailbox()
    await a.setOwner(m1, owner(), { creator: tag })
    await b.setOwner(newMailbox(), owner(), { creator: tag })
    const third = newMailbox()
    expect(await quotaOf(a.setOwner(third, owner(), { creator: tag }))).toBe('ERR_STORAGE_FULL/address_mailboxes')
    expect(await quotaOf(b.setOwner(third, owner(), { creator: tag }))).toBe('ERR_STORAGE_FULL/address_mailboxes')
    expect(await b.checkOwnedShare(tag)).toBeInstanceOf(QuotaExceededError)
    // a login again of a mailbox it already owns is no new one
    expect(await quotaOf(b.setOwner(m1, owner(), { creator: tag }))).toBe('ok')
    expect(await b.purgeMailbox(m1)).toBe(0)
    expect(await quotaOf(a.setOwner(third, owner(), { creator: tag }))).toBe('ok')
  })

  it('holds an unowned mailbox\'s quotas exactly when deposits to it arrive through both processes at once', async () => {
    const [a, b] = await pair({ unownedMailboxMaxEnvelopes: 7 })
    const mailbox = newMailbox()
    const results = await Promise.all(range(0, 20).map(async (i) => await quotaOf((i % 2 === 0 ? a : b).deposit(depositFor(mailbox, 50)))))
    expect(results.filter((r) => r === 'ok')).toHaveLength(7)
    expect(results.filter((r) => r === 'ERR_MAILBOX_FULL/unowned_mailbox_envelopes')).toHaveLength(13)
    expect((await b.mailboxState(mailbox)).envelopes).toBe(7)
  })

  it('evicts unowned mailboxes, oldest first, when an owner\'s deposit at the other process finds the fleet full', async () => {
    const evicted: number[] = []
    const [a, b] = await pair({ storageMaxBytes: 8000 }, { onUnownedEvicted: (n) => { evicted.push(n) } })
    const junk = range(0, 6).map(() => newMailbox())
    // junk to random device keys through a: 6 × ~1,060 bytes
    for (const m of junk) expect(await quotaOf(a.deposit(depositFor(m, 1000)))).toBe('ok')
    const mailbox = newMailbox()
    await b.setOwner(mailbox, owner())
    // b's totals are read from the database (the refresh a timer does every 2 s in a relay)
    await (b as unknown as { totals: { refresh: () => Promise<void> } }).totals.refresh()
    expect(await quotaOf(b.deposit(depositFor(mailbox, 3000)))).toBe('ok')
    expect(evicted.reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(1)
    // the oldest went first, and the owner's envelope is there through a
    expect((await a.mailboxState(junk[0])).envelopes).toBe(0)
    expect((await a.mailboxState(junk[5])).envelopes).toBe(1)
    expect((await a.mailboxState(mailbox)).envelopes).toBe(1)
    // junk alone finding the fleet full is refused, not evicting anyone
    await (a as unknown as { totals: { refresh: () => Promise<void> } }).totals.refresh()
    expect(await quotaOf(a.deposit(depositFor(newMailbox(), 3000)))).toBe('ERR_STORAGE_FULL/storage')
  })

  it('a new owner at the mailbox count evicts the oldest unowned mailbox, through the other process', async () => {
    const [a, b] = await pair({ maxMailboxes: 3, maxUnownedMailboxes: 3 })
    const junk = range(0, 3).map(() => newMailbox())
    for (const m of junk) expect(await quotaOf(a.deposit(depositFor(m)))).toBe('ok')
    await (b as unknown as { totals: { refresh: () => Promise<void> } }).totals.refresh()
    const mailbox = newMailbox()
    await b.setOwner(mailbox, owner())
    expect((await a.mailboxState(mailbox)).owned).toBe(true)
    expect((await a.mailboxState(junk[0])).envelopes).toBe(0)
    expect((await a.mailboxState(junk[2])).envelopes).toBe(1)
  })
})
