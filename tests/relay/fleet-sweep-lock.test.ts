import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { SWEEP_LOCK } from '../../src/relay/pg-store/sweep-lock.js'
import { tempDir } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeOwner, startClient, startTestRelay } from './helpers.js'

const LIMITS = { mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }

describe('relay fleet: one sweeper at a time', () => {
  let pg: TestPostgres
  let dir: { path: string, cleanup: () => Promise<void> }
  let client: Libp2p

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-sweep-')
    client = await startClient()
  })
  afterAll(async () => {
    await client?.stop()
    await pg?.destroy()
    await dir?.cleanup()
  })

  it('a member finds the sweep lock another holds and skips; it sweeps once the lock is free', async () => {
    const url = await freshDatabase(pg)
    const a = new PgMailboxStore({ url, limits: LIMITS })
    const b = new PgMailboxStore({ url, limits: LIMITS })
    await a.open()
    await b.open()
    try {
      const gate = Promise.withResolvers<void>()
      const started = Promise.withResolvers<void>()
      const first = a.sweepExclusively(async () => { started.resolve(); await gate.promise; return 'a swept' })
      await started.promise
      let ranAtB = false
      expect(await b.sweepExclusively(async () => { ranAtB = true; return 'b swept' })).toEqual({ ran: false })
      expect(ranAtB).toBe(false)
      // the holder itself, on another of its sweeps, does not get in either (its own connection holds it)
      expect(await a.sweepExclusively(async () => 'again')).toEqual({ ran: false })
      gate.resolve()
      expect(await first).toEqual({ ran: true, result: 'a swept' })
      expect(await b.sweepExclusively(async () => 'b swept')).toEqual({ ran: true, result: 'b swept' })
      // a sweep that fails gives the lock back too
      await expect(a.sweepExclusively(async () => { throw new Error('boom') })).rejects.toThrow('boom')
      expect(await b.sweepExclusively(async () => 'after a failure')).toEqual({ ran: true, result: 'after a failure' })
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('relay.sweep() leaves the database alone while another member holds the lock (the inactivity purge runs once for the fleet)', async () => {
    const url = await freshDatabase(pg)
    const relay = await startTestRelay(`${dir.path}/r`, { store: { postgres: url }, sweep: { inactivityOverrideMs: 1 } })
    const other = await connectSql(url)
    const owner = makeOwner()
    const mailboxes = new MailboxClient(client)
    try {
      await mailboxes.fetch(relay.multiaddrs[0], owner)
      const mailbox = hex(owner.deviceKey)
      // another member's sweep holds the lock
      expect((await other<Array<{ ok: boolean }>>`SELECT pg_try_advisory_lock(${SWEEP_LOCK.toString()}::bigint) AS ok`)[0].ok).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 5)) // the owner's login is now older than the 1 ms override
      expect(await relay.sweep()).toEqual({ expired: 0, purged: 0 })
      expect(await relay.storage.getOwner(mailbox)).toBeDefined()
      await other`SELECT pg_advisory_unlock(${SWEEP_LOCK.toString()}::bigint)`
      expect((await relay.sweep()).purged).toBe(1)
      expect(await relay.storage.getOwner(mailbox)).toBeUndefined()
    } finally {
      await mailboxes.stop()
      await other.end()
      await relay.stop()
    }
  })
})
