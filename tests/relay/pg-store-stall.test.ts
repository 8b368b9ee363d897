import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../src/errors.js'
import type { MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { Envelope } from '../../src/wire/parley.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'

/**
 * A database that stops answering without closing its connections (a hung server, a network
 * partition without a reset: the server's processes frozen with SIGSTOP here) must make the
 * store's operations fail as unavailable, not hang every request waiting on them.
 */
const LIMITS: MailboxStoreLimits = {
  mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 50,
  maxUnownedMailboxes: 100, unownedMailboxMaxBytes: 1 << 20, unownedMailboxMaxEnvelopes: 100
}

function depositFor (mailbox: string): Parameters<PgMailboxStore['deposit']>[0] {
  const id = randomBytes(16)
  const bytes = Envelope.encode({ version: 1, id, recipientDevice: Buffer.from(mailbox, 'hex'), payload: randomBytes(100), createdAt: 1n, expiresAt: 0n, flags: 0 })
  return { mailbox, id: id.toString('hex'), bytes, expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now(), depositor: 0 }
}

/** What `p` settles to, or 'still waiting' after `ms` (a hang). */
async function outcome (p: Promise<unknown>, ms: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<string>((resolve) => { timer = setTimeout(() => { resolve('still waiting') }, ms) })
  try {
    return await Promise.race([p.then(() => 'ok', (err: unknown) => (err as { code?: string }).code ?? String(err)), hang])
  } finally {
    clearTimeout(timer)
  }
}

describe('PostgreSQL store when the database stops answering', () => {
  let pg: TestPostgres
  let store: PgMailboxStore | undefined

  beforeAll(async () => { pg = await startPostgres() })
  afterAll(async () => {
    pg?.resume()
    await store?.close()
    await pg?.destroy()
  })

  it('fails deposits and fetches as ERR_STORE_UNAVAILABLE after the query timeout, and serves again once it answers', async () => {
    store = new PgMailboxStore({ url: pg.url, limits: LIMITS, totalsRefreshMs: 60_000, queryTimeoutMs: 1500 })
    await store.open()
    const mailbox = randomBytes(32).toString('hex')
    expect(await outcome(store.deposit(depositFor(mailbox)), 20_000)).toBe('ok')

    pg.pause()
    // both fail within the timeout (plus the pool's connect timeout for a fresh connection), never hang
    expect(await outcome(store.deposit(depositFor(mailbox)), 20_000)).toBe(ErrorCode.STORE_UNAVAILABLE)
    expect(await outcome(store.fetch(mailbox, '', 10, 1 << 20, Date.now()), 20_000)).toBe(ErrorCode.STORE_UNAVAILABLE)

    pg.resume()
    // the store recovers by itself (its probe); nothing stored before the stall is lost
    let last = ''
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      last = await outcome(store.deposit(depositFor(mailbox)), 20_000)
      if (last === 'ok') break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(last).toBe('ok')
    const page = await store.fetch(mailbox, '', 10, 1 << 20, Date.now())
    expect(page.envelopes.length).toBeGreaterThanOrEqual(2)
  }, 120_000)
})
