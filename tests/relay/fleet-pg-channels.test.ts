import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channelId } from '../../src/identity/channel/index.js'
import { defaultChannelHistoryConfig, type ChannelHistoryConfig } from '../../src/relay/channel-history/config.js'
import type { PgChannelHistory } from '../../src/relay/pg-store/channel-history.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { ChannelPost } from '../../src/wire/channel.js'
import { TestChannel } from '../channels/helpers.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'

const LIMITS = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
const DAY = 24 * 3600_000

async function code (promise: Promise<unknown>): Promise<string> {
  try { await promise } catch (err) { return (err as { code?: string }).code ?? String(err) }
  return 'no error'
}

const seqsOf = (posts: Uint8Array[]): number[] => posts.map((p) => Number(ChannelPost.decode(p).seq))

describe('relay fleet: channel history on PostgreSQL', () => {
  let pg: TestPostgres
  const opened: PgMailboxStore[] = []
  let clock = Date.now()

  /** Two members of one fleet: each its own store (pool, LISTEN) on one fresh database, and its history on it. */
  async function fleet (overrides: Partial<ChannelHistoryConfig>): Promise<{ a: PgChannelHistory, b: PgChannelHistory, url: string }> {
    const url = await freshDatabase(pg)
    const config = { ...defaultChannelHistoryConfig(), keep: 'all' as const, reconcileIntervalMs: 0, ...overrides }
    const histories: PgChannelHistory[] = []
    for (let i = 0; i < 2; i++) {
      const store = new PgMailboxStore({ url, limits: LIMITS })
      await store.open()
      opened.push(store)
      histories.push(await store.channelHistory({ config, now: () => clock }))
    }
    return { a: histories[0], b: histories[1], url }
  }

  beforeAll(async () => { pg = await startPostgres() })
  afterAll(async () => {
    for (const s of opened) await s.close()
    await pg?.destroy()
  })

  it('a post kept through one member is answered by the other: cursor queries, newest page, head, gaps; repeats, forks and broken chains refused alike', async () => {
    const { a, b } = await fleet({})
    const channel = new TestChannel()
    for (let i = 0; i < 30; i++) channel.next(`post ${i + 1}`)
    // posts 1–20 and 25–30 through a: a gap at 21
    expect(await a.store(channel.key, channel.posts.slice(0, 16).map((p) => p.bytes), undefined)).toBe(16)
    expect(await a.store(channel.key, channel.posts.slice(16, 20).map((p) => p.bytes), undefined)).toBe(4)
    expect(await a.store(channel.key, channel.posts.slice(24).map((p) => p.bytes), undefined)).toBe(6)

    const page = await b.query(channel.key, { after: 10, limit: 5 })
    expect(seqsOf(page.posts)).toEqual([11, 12, 13, 14, 15])
    expect(page.head).toBe(30)
    expect(Buffer.from(page.posts[0]).equals(Buffer.from(channel.posts[10].bytes))).toBe(true)
    expect(seqsOf((await b.query(channel.key, { after: 0, limit: 3, latest: true })).posts)).toEqual([28, 29, 30])
    // hostile cursors: past any seq, negative, a huge limit
    expect(await b.query(channel.key, { after: 2 ** 64, limit: 10 })).toEqual({ posts: [], head: 30 })
    expect(seqsOf((await b.query(channel.key, { after: -5, limit: 2 ** 40 })).posts)).toHaveLength(26)
    expect(await b.firstGap(channel.key)).toBe(21)
    expect(await b.contiguousHead(channel.key)).toEqual({ seq: 20, hash: channel.posts[19].hash })
    expect((await b.channelKeys()).map((k) => Buffer.from(k).toString('hex'))).toEqual([Buffer.from(channel.key).toString('hex')])

    // the same post through b is a repeat; a fork of post 5 and a post 21 that does not follow 20 are refused
    expect(await b.store(channel.key, [channel.posts[4].bytes], undefined)).toBe(0)
    const fork = new TestChannel()
    Object.assign(fork, { keys: channel.keys })
    for (let i = 0; i < 4; i++) fork.next(`fork ${i + 1}`)
    expect(await code(b.store(channel.key, [fork.next('fork 5').bytes], undefined))).toBe('ERR_CHANNEL_CONFLICT')
    const stray = new TestChannel()
    Object.assign(stray, { keys: channel.keys })
    for (let i = 0; i < 21; i++) stray.next(`stray ${i + 1}`)
    expect(await code(b.store(channel.key, [stray.posts[20].bytes], undefined))).toBe('ERR_CHANNEL_POST_INVALID')
    // the real 21–24 through b close the gap for both
    expect(await b.store(channel.key, channel.posts.slice(20, 24).map((p) => p.bytes), undefined)).toBe(4)
    expect(await a.firstGap(channel.key)).toBe(31)
    expect(seqsOf((await a.query(channel.key, { after: 0, limit: 100 })).posts)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })

  it('a channel not kept is refused, and a query for one answers typed', async () => {
    const url = await freshDatabase(pg)
    const store = new PgMailboxStore({ url, limits: LIMITS })
    await store.open()
    opened.push(store)
    const kept = new TestChannel()
    const history = await store.channelHistory({ config: { ...defaultChannelHistoryConfig(), keep: [channelId(kept.key)] } })
    const other = new TestChannel()
    expect(await code(history.store(other.key, [other.next('x').bytes], undefined))).toBe('ERR_CHANNEL_NOT_KEPT')
    expect(await code(history.query(other.key, { after: 0, limit: 10 }))).toBe('ERR_CHANNEL_NOT_KEPT')
  })

  it('the operator\'s limits hold across members: a channel\'s bytes (oldest dropped), the channel count and the total bytes (refused)', async () => {
    const { a, b, url } = await fleet({ maxBytes: 11_000, maxBytesPerChannel: 8_000, maxChannels: 2 })
    const text = 'x'.repeat(1500)
    const first = new TestChannel()
    for (let i = 0; i < 10; i++) first.next(text)
    // alternately through a and b: the channel's share is one figure for the fleet
    for (const [i, post] of first.posts.entries()) await (i % 2 === 0 ? a : b).store(first.key, [post.bytes], undefined)
    const held = await b.query(first.key, { after: 0, limit: 100 })
    expect(held.head).toBe(10)
    expect(seqsOf(held.posts).at(-1)).toBe(10)
    expect(held.posts.length).toBeLessThan(10)
    expect(await a.bytes(first.key)).toBeLessThanOrEqual(8_000)
    // what was dropped is below the floor: reconciliation starts above it
    expect(await a.firstGap(first.key)).toBe(11)

    const second = new TestChannel()
    const refusals: string[] = []
    for (let i = 0; i < 8; i++) refusals.push(await code(b.store(second.key, [second.next(text).bytes], undefined)))
    expect(refusals).toContain('ERR_CHANNEL_HISTORY_FULL')
    expect(await a.bytes()).toBeLessThanOrEqual(11_000)
    const third = new TestChannel()
    expect(await code(a.store(third.key, [third.next('one channel too many').bytes], undefined))).toBe('ERR_CHANNEL_HISTORY_FULL')

    // the counters are the rows' sums, whichever member wrote
    const sql = await connectSql(url)
    try {
      const [sums] = await sql<Array<{ posts: string, channels: string }>>`SELECT (SELECT coalesce(sum(length(body)), 0) FROM channel_posts)::text AS posts, (SELECT count(*) FROM channels)::text AS channels`
      const [totals] = await sql<Array<{ bytes: string, channels: number }>>`SELECT bytes::text, channels FROM channel_totals`
      expect(totals).toEqual({ bytes: sums.posts, channels: Number(sums.channels) })
    } finally {
      await sql.end()
    }
  })

  it('concurrent stores through both members keep the counters exact', async () => {
    const { a, b, url } = await fleet({})
    const channels = Array.from({ length: 4 }, () => new TestChannel())
    for (const c of channels) for (let i = 0; i < 24; i++) c.next(`concurrent ${i}`)
    await Promise.all(channels.flatMap((c) => c.posts.map(async (p, i) => await (i % 2 === 0 ? a : b).storeOne(c.key, p))))
    const expected = channels.reduce((s, c) => s + c.posts.reduce((t, p) => t + p.bytes.length, 0), 0)
    expect(await b.bytes()).toBe(expected)
    for (const c of channels) expect(await a.firstGap(c.key)).toBe(25)
    const sql = await connectSql(url)
    try {
      const [totals] = await sql<Array<{ channels: number }>>`SELECT channels FROM channel_totals`
      expect(totals.channels).toBe(4)
    } finally {
      await sql.end()
    }
  })

  it('retention: a sweep on any member drops posts past it for the fleet', async () => {
    const { a, b } = await fleet({ retention: DAY })
    const channel = new TestChannel()
    for (let i = 0; i < 5; i++) channel.next(`old ${i}`)
    expect(await a.store(channel.key, channel.posts.map((p) => p.bytes), undefined)).toBe(5)
    clock += 2 * DAY
    expect(await b.store(channel.key, [channel.next('new').bytes], undefined)).toBe(1)
    // storing drops the channel's old posts (as in LevelDB); a sweep does it without a store
    expect(seqsOf((await a.query(channel.key, { after: 0, limit: 10 })).posts)).toEqual([6])
    clock += 2 * DAY
    await b.sweep()
    expect((await a.query(channel.key, { after: 0, limit: 10 })).posts).toEqual([])
    expect(await a.bytes()).toBe(0)
    expect(await a.firstGap(channel.key)).toBe(7)
    expect(a.gauges().bytes).toBe(0)
  })
})
