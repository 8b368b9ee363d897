import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEALED_FEEDBACK_BYTES } from '../../src/identity/channel/index.js'
import { defaultChannelHistoryConfig } from '../../src/relay/channel-history/config.js'
import type { PgFeedbackInbox } from '../../src/relay/pg-store/channel-feedback.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'

const LIMITS = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
const DAY = 24 * 3600_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const box = (): Uint8Array => randomBytes(SEALED_FEEDBACK_BYTES)

async function code (promise: Promise<unknown>): Promise<string> {
  try { await promise } catch (err) { return (err as { code?: string }).code ?? String(err) }
  return 'no error'
}

describe('relay fleet: sealed channel feedback on PostgreSQL', () => {
  let pg: TestPostgres
  const opened: PgMailboxStore[] = []
  let clock = Date.now()

  /** Two members of one fleet, each with its own store on one fresh database, and their feedback inboxes. */
  async function fleet (retention = 30 * DAY): Promise<{ a: PgFeedbackInbox, b: PgFeedbackInbox }> {
    const url = await freshDatabase(pg)
    const config = { ...defaultChannelHistoryConfig(), keep: 'all' as const, retention, reconcileIntervalMs: 0 }
    const inboxes: PgFeedbackInbox[] = []
    for (let i = 0; i < 2; i++) {
      const store = new PgMailboxStore({ url, limits: LIMITS })
      await store.open()
      opened.push(store)
      inboxes.push((await store.channelHistory({ config, now: () => clock })).feedback)
    }
    return { a: inboxes[0], b: inboxes[1] }
  }

  beforeAll(async () => { pg = await startPostgres() }, 120_000)
  afterAll(async () => {
    for (const s of opened) await s.close()
    await pg?.destroy()
  })

  it('a box deposited through one member is collected through the other, once, in cursor order; a repeat through either changes nothing', async () => {
    const { a, b } = await fleet()
    const key = randomBytes(32)
    const boxes = [box(), box(), box()]
    expect(await a.deposit(key, boxes[0], { peer: 'r1', address: '192.0.2.1' })).toBe(true)
    expect(await b.deposit(key, boxes[1], { peer: 'r2', address: '192.0.2.2' })).toBe(true)
    expect(await a.deposit(key, boxes[2], { peer: 'r3', address: '192.0.2.3' })).toBe(true)
    expect(await b.deposit(key, boxes[0], { peer: 'r1', address: '192.0.2.1' })).toBe(false)
    expect(await a.deposit(key, boxes[1], { peer: 'relay', synced: true })).toBe(false)
    const page = await b.collect(key, 0)
    expect(page.sealed.map(hex)).toEqual(boxes.map(hex))
    expect(await a.held(key)).toBe(3)
    // paging by cursor: nothing after the last, the second after the first
    expect((await a.collect(key, page.cursor)).sealed).toEqual([])
    const first = await a.collect(key, 0, 1)
    expect((await b.collect(key, first.cursor, 1)).sealed.map(hex)).toEqual([hex(boxes[1])])
  })

  it('bounds as in one relay: per peer and address, wrong sizes, synced boxes fill free room only, the oldest make room for readers, retention', async () => {
    const { a, b } = await fleet(DAY)
    const key = randomBytes(32)
    expect(await code(a.deposit(key, randomBytes(100), { peer: 'x' }))).toBe('ERR_MALFORMED_REQUEST')
    // held bounds are the fleet's: a peer at its bound through one member is refused by the other
    const limitsOf = (inbox: PgFeedbackInbox): { perChannel: number, heldPerSyncPeer: number, heldPerPeer: number, heldPerAddress: number } =>
      (inbox as unknown as { init: { limits: { perChannel: number, heldPerSyncPeer: number, heldPerPeer: number, heldPerAddress: number } } }).init.limits
    for (const m of [a, b]) Object.assign(limitsOf(m), { heldPerPeer: 5, heldPerAddress: 8 })
    for (let i = 0; i < 5; i++) await a.deposit(key, box(), { peer: 'greedy', address: '198.51.100.1' })
    expect(await code(b.deposit(key, box(), { peer: 'greedy', address: '198.51.100.1' }))).toBe('ERR_RATE_LIMITED')
    for (let i = 0; i < 3; i++) await b.deposit(key, box(), { peer: `throwaway-${i}`, address: '198.51.100.1' })
    expect(await code(a.deposit(key, box(), { peer: 'throwaway-x', address: '198.51.100.1' }))).toBe('ERR_RATE_LIMITED')
    await a.deposit(key, box(), { peer: 'honest', address: '192.0.2.9' })
    expect(await a.held(key)).toBe(9)

    const small = randomBytes(32)
    Object.assign(limitsOf(a), { perChannel: 10, heldPerSyncPeer: 6 })
    {
      const readers = [box(), box(), box(), box()]
      for (const [i, r] of readers.entries()) await a.deposit(small, r, { peer: `reader-${i}` })
      let taken = 0
      for (let i = 0; i < 10; i++) if (await code(a.deposit(small, box(), { peer: 'relay-x', synced: true })) === 'no error') taken++
      expect(taken).toBe(6)
      expect(await code(a.deposit(small, box(), { peer: 'relay-y', synced: true }))).toBe('ERR_CHANNEL_HISTORY_FULL')
      const held = (await a.collect(small, 0)).sealed.map(hex)
      for (const r of readers) expect(held).toContain(hex(r))
      // a reader's box still goes in: the oldest held makes room
      const late = box()
      await a.deposit(small, late, { peer: 'reader-late' })
      const after = (await a.collect(small, 0)).sealed.map(hex)
      expect(after.length).toBe(10)
      expect(after).not.toContain(hex(readers[0]))
      expect(after).toContain(hex(late))
    }

    // retention: the channel retention (1 day here) when shorter than 7 days
    clock += DAY + 1
    expect(await b.held(small)).toBe(0)
    await a.sweep()
    expect(await a.held(key)).toBe(0)
    expect((await b.collect(small, 0)).sealed).toEqual([])
  })
})
