import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { MailboxErrorCode } from '../../src/net/mailbox-codec.js'
import { QuotaExceededError } from '../../src/relay/errors.js'
import { Level } from 'level'
import { MAILBOX_LAYOUT, MailboxStore, type MailboxStorage, type MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { StoredEnvelope } from '../../src/wire/relay-store.js'
import { Envelope } from '../../src/wire/parley.js'
import { tempDir } from '../helpers/network.js'
import { levelBackend, postgresBackend } from '../helpers/storage-backends.js'

const LIMITS: MailboxStoreLimits = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function depositFor (mailbox: string, id = randomBytes(16), size = 200): Parameters<MailboxStore['deposit']>[0] {
  const bytes = Envelope.encode({ version: 1, id, recipientDevice: Buffer.from(mailbox, 'hex'), payload: randomBytes(size), createdAt: 1n, expiresAt: 0n, flags: 0 })
  return { mailbox, id: hexOf(id), bytes, expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now() }
}

async function codeOf (p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok' } catch (err) { return err instanceof QuotaExceededError ? err.code : `unexpected: ${(err as Error).message}` }
}

describe('mailbox store: group-committed deposits', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

  async function openStore (limits: Partial<MailboxStoreLimits> = {}): Promise<{ store: MailboxStore, reopen: () => Promise<MailboxStore> }> {
    const dir = await tempDir('parley-mbox-')
    const make = (): MailboxStore => new MailboxStore(`${dir.path}/mailboxes`, { ...LIMITS, ...limits })
    const store = make()
    await store.open()
    let current = store
    cleanups.push(async () => { await current.close(); await dir.cleanup() })
    return {
      store,
      reopen: async () => { await current.close(); current = make(); await current.open(); return current }
    }
  }

  it('finds duplicates of ids stored before a restart, and after its id filter was rebuilt', async () => {
    // a tiny filter (capacity 6 ids) so that the deposits below go past it and trigger rebuilds
    const { store, reopen } = await openStore({ idFilterBits: 64 })
    const mailbox = hexOf(randomBytes(32))
    const first = Array.from({ length: 30 }, () => randomBytes(16))
    for (const id of first) expect(await store.deposit(depositFor(mailbox, id))).toEqual({ duplicate: false })
    for (const id of first) expect(await store.deposit(depositFor(mailbox, id))).toEqual({ duplicate: true })
    // acked ids may be deposited again (their filter bits stay set: the database decides)
    expect(await store.ack(mailbox, first.slice(0, 10).map(hexOf))).toBe(10)
    expect(await store.deposit(depositFor(mailbox, first[0]))).toEqual({ duplicate: false })
    const again = await reopen()
    // ids 1–9 were acked (stored anew), 10–29 are still held (duplicates)
    const outcomes = []
    for (const id of first.slice(1)) outcomes.push((await again.deposit(depositFor(mailbox, id))).duplicate)
    expect(outcomes).toEqual([...Array(9).fill(false), ...Array(20).fill(true)])
    expect(again.count(mailbox)).toBe(30)
  })

  it('looks new ids up in the database only when the id filter might hold them', async () => {
    const { store } = await openStore()
    const getMany = vi.spyOn((store as unknown as { db: { getMany: (keys: string[]) => Promise<unknown[]> } }).db, 'getMany')
    const mailbox = hexOf(randomBytes(32))
    const ids = Array.from({ length: 200 }, () => randomBytes(16))
    await Promise.all(ids.map(async (id) => { expect(await store.deposit(depositFor(mailbox, id))).toEqual({ duplicate: false }) }))
    // 200 keys in a filter of 2^23 bits: a false positive is all but impossible
    expect(getMany).not.toHaveBeenCalled()
    const again = await Promise.all(ids.map(async (id) => (await store.deposit(depositFor(mailbox, id))).duplicate))
    expect(again.every(Boolean)).toBe(true)
    expect(getMany).toHaveBeenCalled()
    expect(store.count(mailbox)).toBe(200)
  })

  it('never writes a zero-length value (classic-level leaks one heap chunk per empty value)', async () => {
    const { store } = await openStore()
    const db = (store as unknown as { db: { batch: (ops: Array<{ type: string, value?: Uint8Array }>) => Promise<void> } }).db
    const batch = vi.spyOn(db, 'batch')
    const mailbox = hexOf(randomBytes(32))
    const deposits = Array.from({ length: 20 }, () => depositFor(mailbox))
    await Promise.all(deposits.map(async (d) => await store.deposit(d)))
    await store.ack(mailbox, deposits.slice(0, 5).map((d) => d.id))
    await store.fetch(mailbox, '', 10, 1 << 30, Date.now())
    const puts = batch.mock.calls.flatMap(([ops]) => ops.filter((op) => op.type === 'put'))
    expect(puts.length).toBeGreaterThanOrEqual(20 * 4)
    expect(puts.filter((op) => op.value == null || op.value.length === 0)).toEqual([])
  })

  it('misses no id committed while its id filter is rebuilt', async () => {
    // capacity 6,553 ids: the waves below pass it, and later waves commit during the rebuild's scan;
    // at ≤ 10k ids in 2^16 bits the filter still says "not held" for most absent ids, so an id
    // the rebuilt filter lost would be stored a second time below
    const { store } = await openStore({ idFilterBits: 2 ** 16, mailboxMaxEnvelopes: 20_000, maxMailboxes: 100 })
    const mailboxes = Array.from({ length: 20 }, () => hexOf(randomBytes(32)))
    const all: Array<{ mailbox: string, id: NonNullable<Parameters<typeof depositFor>[1]> }> = []
    for (let wave = 0; wave < 20; wave++) {
      const batch = Array.from({ length: 500 }, (_, i) => ({ mailbox: mailboxes[(wave + i) % mailboxes.length], id: randomBytes(16) }))
      all.push(...batch)
      const stored = await Promise.all(batch.map(async (d) => (await store.deposit(depositFor(d.mailbox, d.id, 16))).duplicate))
      expect(stored.some(Boolean)).toBe(false)
    }
    await vi.waitFor(() => { expect(store.idFilterRebuilds).toBeGreaterThan(0) })
    const again = await Promise.all(all.map(async (d) => (await store.deposit(depositFor(d.mailbox, d.id, 16))).duplicate))
    expect(again.filter((duplicate) => !duplicate)).toHaveLength(0)
    expect(store.totalEnvelopes).toBe(all.length)
  })
})

describe('mailbox store: key layout', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

  const seqHex = (n: number): string => n.toString(16).padStart(16, '0')
  const timeHex = (ms: number): string => ms.toString(16).padStart(12, '0')

  /**
   * Writes a mailbox database the way layout 1 did (bodies under `e!<mbox>!<seq>`, no layout key).
   * Seqs start an hour ahead (as after a clock stepped back), so a deposit after opening sorts
   * last only if the store learned the highest seq; with `sharedSeqs` every mailbox numbers its
   * envelopes from the same start, as two mailboxes could after such a step.
   */
  async function writeLayout1 (location: string, mailboxes: string[], perMailbox: number, options: { sharedSeqs?: boolean } = {}): Promise<Map<string, string[]>> {
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const ids = new Map<string, string[]>()
    const expiresAt = Date.now() + 3_600_000
    const first = (Date.now() + 3_600_000) * 1000
    let seq = first
    const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
    for (let k = 0; k < perMailbox; k++) {
      for (const mailbox of mailboxes) {
        const d = depositFor(mailbox)
        const s = seqHex(options.sharedSeqs === true ? first + k : seq++)
        ids.set(mailbox, [...(ids.get(mailbox) ?? []), d.id])
        ops.push(
          { type: 'put', key: `e!${mailbox}!${s}`, value: StoredEnvelope.encode({ envelope: d.bytes, storedAt: BigInt(d.now), expiresAt: BigInt(expiresAt), secret: false }) },
          { type: 'put', key: `i!${mailbox}!${d.id}`, value: new TextEncoder().encode(s) },
          { type: 'put', key: `x!${timeHex(expiresAt)}!${mailbox}!${s}`, value: new Uint8Array(0) }
        )
      }
    }
    for (const mailbox of mailboxes) {
      ops.push({ type: 'put', key: `s!${mailbox}`, value: new TextEncoder().encode(JSON.stringify({ count: perMailbox, bytes: perMailbox * 200, prekeys: 0 })) })
    }
    await db.batch(ops)
    await db.close()
    return ids
  }

  const idOf = (bytes: Uint8Array): string => hexOf(Envelope.decode(bytes).id)

  /** Pages through a whole mailbox; returns the ids in order. */
  async function allIds (store: MailboxStore, mailbox: string): Promise<string[]> {
    const ids: string[] = []
    let cursor = ''
    for (;;) {
      const page = await store.fetch(mailbox, cursor, 100, 1 << 30, Date.now())
      ids.push(...page.envelopes.map(idOf))
      cursor = page.cursor
      if (!page.more) return ids
    }
  }

  it('moves a layout-1 database to layout 2 at open; envelopes keep their order, ids and counters', async () => {
    const dir = await tempDir('parley-mbox-')
    const location = `${dir.path}/mailboxes`
    const mailboxes = Array.from({ length: 3 }, () => hexOf(randomBytes(32)))
    // more envelopes than one migration batch, interleaved across mailboxes
    const ids = await writeLayout1(location, mailboxes, 900)
    let store = new MailboxStore(location, LIMITS)
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    await store.open()
    expect(store.totalEnvelopes).toBe(2700)
    const [a, b] = mailboxes
    const all = await allIds(store, a)
    expect(all).toEqual(ids.get(a))
    expect(await store.ack(a, all.slice(0, 100))).toBe(100)
    expect(await store.deposit({ ...depositFor(b), id: ids.get(b)![5] })).toEqual({ duplicate: true })
    const fresh = depositFor(b)
    expect(await store.deposit(fresh)).toEqual({ duplicate: false })
    await store.close()

    // nothing of layout 1 is left, and the layout is recorded
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    expect(await db.keys({ gte: 'e!', lt: 'e!\xff' }).all()).toEqual([])
    expect(new TextDecoder().decode(await db.get('v!layout'))).toBe(String(MAILBOX_LAYOUT))
    await db.close()

    store = new MailboxStore(location, LIMITS)
    await store.open()
    expect(store.count(a)).toBe(800)
    expect(store.count(b)).toBe(901)
    const lastOfB = await store.fetch(b, '', 1000, 1 << 30, Date.now())
    expect(lastOfB.envelopes.map(idOf)).toEqual([...ids.get(b)!, fresh.id])
  })

  it('renumbers layout-1 envelopes whose seq another mailbox already holds; nothing is lost or mixed up', async () => {
    const dir = await tempDir('parley-mbox-')
    const location = `${dir.path}/mailboxes`
    const mailboxes = Array.from({ length: 3 }, () => hexOf(randomBytes(32)))
    const ids = await writeLayout1(location, mailboxes, 1500, { sharedSeqs: true })
    let store = new MailboxStore(location, LIMITS)
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    await store.open()
    for (const mailbox of mailboxes) {
      expect(store.count(mailbox)).toBe(1500)
      expect(new Set(await allIds(store, mailbox))).toEqual(new Set(ids.get(mailbox)))
    }
    // acks by id find each renumbered envelope, and only it
    const [a, b] = mailboxes
    expect(await store.ack(a, ids.get(a)!.slice(0, 700))).toBe(700)
    expect(await allIds(store, b)).toHaveLength(1500)
    expect(new Set(await allIds(store, a))).toEqual(new Set(ids.get(a)!.slice(700)))
    // the expiry index follows the new seqs: everything expires, every counter reaches zero
    expect(await store.deleteExpired(Date.now() + 7_200_000)).toBe(3 * 1500 - 700)
    for (const mailbox of mailboxes) expect(store.count(mailbox)).toBe(0)
    await store.close()
    store = new MailboxStore(location, LIMITS)
    await store.open()
    expect(store.totalEnvelopes).toBe(0)
  })

  it('finishes a migration that stopped midway (each batch is atomic)', async () => {
    const dir = await tempDir('parley-mbox-')
    const location = `${dir.path}/mailboxes`
    const mailboxes = Array.from({ length: 2 }, () => hexOf(randomBytes(32)))
    const ids = await writeLayout1(location, mailboxes, 50)
    // move the first 30 envelopes the way one migration batch does, and stop there
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const ops: Array<{ type: 'put' | 'del', key: string, value?: Uint8Array }> = []
    for await (const [key, value] of db.iterator({ gte: 'e!', lt: 'e!\xff', limit: 30 })) {
      const [, mailbox, seq] = key.split('!')
      ops.push({ type: 'put', key: `b!${seq}`, value }, { type: 'put', key: `m!${mailbox}!${seq}`, value: Uint8Array.of(1) }, { type: 'del', key })
    }
    await db.batch(ops as any)
    await db.close()
    const store = new MailboxStore(location, LIMITS)
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    await store.open()
    for (const mailbox of mailboxes) expect(await allIds(store, mailbox)).toEqual(ids.get(mailbox))
  })

  it('refuses to open a database whose layout marker is unreadable', async () => {
    const dir = await tempDir('parley-mbox-')
    const location = `${dir.path}/mailboxes`
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    await db.put('v!layout', new TextEncoder().encode('two'))
    await db.close()
    const store = new MailboxStore(location, LIMITS)
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    await expect(store.open()).rejects.toThrow(/unreadable layout/)
  })

  it('reads no more bodies than its byte budget needs when a mailbox holds large envelopes', async () => {
    const dir = await tempDir('parley-mbox-')
    const store = new MailboxStore(`${dir.path}/mailboxes`, LIMITS)
    await store.open()
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    const mailbox = hexOf(randomBytes(32))
    for (let k = 0; k < 200; k++) await store.deposit(depositFor(mailbox, randomBytes(16), 64 * 1024))
    const getMany = vi.spyOn((store as unknown as { db: { getMany: (keys: string[]) => Promise<unknown[]> } }).db, 'getMany')
    // a 256 KiB budget holds 3 of these: at most one batch of 8 bodies plus a little more is read
    const page = await store.fetch(mailbox, '', 500, 256 * 1024, Date.now())
    expect(page.envelopes).toHaveLength(3)
    expect(page.more).toBe(true)
    const read = getMany.mock.calls.reduce((n, [keys]) => n + keys.length, 0)
    expect(read).toBeLessThanOrEqual(12)
  })

  it('refuses to open a database written with a newer layout', async () => {
    const dir = await tempDir('parley-mbox-')
    const location = `${dir.path}/mailboxes`
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    await db.put('v!layout', new TextEncoder().encode(String(MAILBOX_LAYOUT + 1)))
    await db.close()
    const store = new MailboxStore(location, LIMITS)
    cleanups.push(async () => { await store.close(); await dir.cleanup() })
    await expect(store.open()).rejects.toThrow(/newer relay/)
  })
})

const backends = [levelBackend, postgresBackend()]

describe.each(backends)('mailbox store ($name): deposits, quotas, paging', (backend) => {
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(async () => { await backend.setup() })
  afterAll(async () => { await backend.teardown() })
  afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

  async function open (limits: Partial<MailboxStoreLimits> = {}): Promise<{ store: MailboxStorage, reopen: () => Promise<MailboxStorage> }> {
    const opened = await backend.open({ ...LIMITS, ...limits })
    cleanups.push(opened.cleanup)
    return opened
  }

  it('checks quotas in arrival order when many deposits for one mailbox land in one batch', async () => {
    const { store, reopen } = await open({ mailboxMaxEnvelopes: 5 })
    const mailbox = hexOf(randomBytes(32))
    const outcomes = await Promise.all(Array.from({ length: 20 }, async () => await codeOf(store.deposit(depositFor(mailbox)))))
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('ok'))
    expect(outcomes.slice(5)).toEqual(Array(15).fill(MailboxErrorCode.MAILBOX_FULL))
    expect((await store.mailboxState(mailbox)).envelopes).toBe(5)
    const again = await reopen()
    expect((await again.mailboxState(mailbox)).envelopes).toBe(5)
    expect((await again.fetch(mailbox, '', 100, 1 << 30, Date.now())).envelopes).toHaveLength(5)
  })

  it('stores a twice-deposited id once, even within one batch', async () => {
    const { store } = await open()
    const mailbox = hexOf(randomBytes(32))
    const id = randomBytes(16)
    const results = await Promise.all(Array.from({ length: 10 }, async () => await store.deposit(depositFor(mailbox, id))))
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
    expect(await store.deposit(depositFor(mailbox, id))).toEqual({ duplicate: true })
    expect((await store.mailboxState(mailbox)).envelopes).toBe(1)
    expect(store.gauges().totalEnvelopes).toBe(1)
  })

  it('holds the relay-wide byte cap across mailboxes of one batch', async () => {
    const { store } = await open({ storageMaxBytes: 10_000 })
    const boxes = Array.from({ length: 20 }, () => hexOf(randomBytes(32)))
    const outcomes = await Promise.all(boxes.map(async (m) => await codeOf(store.deposit(depositFor(m, randomBytes(16), 900)))))
    const stored = outcomes.filter((o) => o === 'ok').length
    expect(stored).toBeGreaterThan(0)
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === MailboxErrorCode.STORAGE_FULL)).toBe(true)
    expect(store.gauges().totalBytes).toBeLessThanOrEqual(10_000)
    expect(store.gauges().totalEnvelopes).toBe(stored)
  })

  it('keeps counters exact while acks and deposits on one mailbox interleave', async () => {
    const { store, reopen } = await open()
    const mailbox = hexOf(randomBytes(32))
    const first = Array.from({ length: 50 }, () => depositFor(mailbox))
    await Promise.all(first.map(async (d) => await store.deposit(d)))
    const second = Array.from({ length: 50 }, () => depositFor(mailbox))
    const [, acked] = await Promise.all([
      Promise.all(second.map(async (d) => await store.deposit(d))),
      store.ack(mailbox, first.slice(0, 30).map((d) => d.id))
    ])
    expect(acked).toBe(30)
    expect((await store.mailboxState(mailbox)).envelopes).toBe(70)
    const held = (await store.fetch(mailbox, '', 500, 1 << 30, Date.now())).envelopes.length
    expect(held).toBe(70)
    expect((await (await reopen()).mailboxState(mailbox)).envelopes).toBe(70)
  })

  it('close() waits for deposits still queued; they are there after reopening', async () => {
    const { store, reopen } = await open()
    const mailbox = hexOf(randomBytes(32))
    const pending = Array.from({ length: 600 }, async () => await store.deposit(depositFor(mailbox)))
    const again = await reopen() // closes the first instance while the group is being written
    expect((await Promise.allSettled(pending)).every((r) => r.status === 'fulfilled')).toBe(true)
    expect((await again.mailboxState(mailbox)).envelopes).toBe(600)
    await expect(store.deposit(depositFor(mailbox))).rejects.toMatchObject({ code: MailboxErrorCode.SHUTTING_DOWN })
  })

  it('pages by count and bytes, skipping expired envelopes without counting them', async () => {
    const { store } = await open()
    const mailbox = hexOf(randomBytes(32))
    const now = Date.now()
    const live: string[] = []
    // in arrival order: 3 live, 4 expired, 5 live, 2 expired
    for (const [n, expired] of [[3, false], [4, true], [5, false], [2, true]] as const) {
      for (let k = 0; k < n; k++) {
        const d = depositFor(mailbox, randomBytes(16), 100)
        await store.deposit({ ...d, expiresAt: expired ? now - 1 : now + 60_000 })
        if (!expired) live.push(d.id)
      }
    }
    const pages: string[][] = []
    let cursor = ''
    for (;;) {
      const page = await store.fetch(mailbox, cursor, 3, 1 << 30, now)
      pages.push(page.envelopes.map((b) => hexOf(Envelope.decode(b).id)))
      cursor = page.cursor
      if (!page.more) break
    }
    expect(pages).toEqual([live.slice(0, 3), live.slice(3, 6), live.slice(6)])
    // a byte limit below two envelopes: one per page (never zero), `more` until the last
    const first = await store.fetch(mailbox, '', 10, 150, now)
    expect(first.envelopes.map((b) => hexOf(Envelope.decode(b).id))).toEqual([live[0]])
    expect(first.more).toBe(true)
  })
})
