import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { SECRET_FLAG } from '../../src/relay/constants.js'
import { PgMailboxStore } from '../../src/relay/pg-store/index.js'
import { REPLAY_ROWS_PER_QUERY } from '../../src/relay/pg-store/push-replay.js'
import type { Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

const FAST = { perSecond: 1_000_000, burst: 1_000_000 }
const LIMITS: RelayConfigInput['limits'] = { depositRate: FAST, fetchRate: FAST, mailboxMaxEnvelopes: 100_000 }
/** Envelopes deposited for one owner while the other process is deaf: more than one replay page. */
const MISSED = REPLAY_ROWS_PER_QUERY * 2 + 5

const pgStore = (relay: Relay): PgMailboxStore => {
  if (!(relay.storage instanceof PgMailboxStore)) throw new Error('not a PostgreSQL relay')
  return relay.storage
}

describe('relay fleet: pushes missed while the LISTEN connection was down are replayed', () => {
  let pg: TestPostgres
  let dir: { path: string, cleanup: () => Promise<void> }
  let relayA: Relay
  let relayB: Relay
  let client: Libp2p
  let admin: Awaited<ReturnType<typeof connectSql>>
  /** Relay B connects as a role of its own, so that the test can keep it from reconnecting. */
  const roleB = `relay_b_${process.pid}`

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-replay-')
    const url = await freshDatabase(pg)
    admin = await connectSql(url)
    await admin.unsafe(`CREATE ROLE ${roleB} SUPERUSER LOGIN`)
    relayA = await startTestRelay(`${dir.path}/a`, { store: { postgres: url }, limits: LIMITS })
    relayB = await startTestRelay(`${dir.path}/b`, { store: { postgres: url.replace('//parley@', `//${roleB}@`) }, limits: LIMITS })
    client = await startClient()
  })

  afterAll(async () => {
    await client?.stop()
    await relayA?.stop()
    await relayB?.stop()
    await admin?.end()
    await pg?.destroy()
    await dir?.cleanup()
  })

  it('a subscriber on the deaf process gets, once it hears again, what another process stored meanwhile: each envelope once, without a fetch', async () => {
    const owners = [makeOwner(), makeOwner()]
    const ownerClient = new MailboxClient(await startClient())
    const sender = new MailboxClient(client)
    const pushed = owners.map(() => [] as string[])
    // subscriptions only: the client never fetches, so whatever reaches it was pushed
    const subs = await Promise.all(owners.map(async (o, k) => await ownerClient.subscribe(relayB.multiaddrs[0], o, (e) => { pushed[k].push(hex(e.id)) })))
    try {
      // before the outage: a deposit through A is pushed by B (it stays unacked: a replay from too far back would push it again)
      const before = makeEnvelope(owners[0].deviceKey)
      await sender.deposit(relayA.multiaddrs[0], before)
      await waitFor(() => pushed[0].includes(hex(before.id)), 30_000, 'the push before the outage')

      // B's LISTEN connection is killed, and B may not log in again until the test lets it
      expect(pgStore(relayB).poolStats().listening).toBe(true)
      await admin.unsafe(`ALTER ROLE ${roleB} NOLOGIN`)
      const [listener] = await admin<Array<{ pid: number }>>`SELECT pid FROM pg_stat_activity WHERE usename = ${roleB} AND query LIKE 'LISTEN%'`
      expect(listener).toBeDefined()
      await admin`SELECT pg_terminate_backend(${listener.pid}::int)`
      await waitFor(() => !pgStore(relayB).poolStats().listening, 30_000, 'B notices its LISTEN connection is gone')

      // meanwhile A stores envelopes for both owners: nobody at B hears of them
      const missed: string[][] = [[], []]
      for (let start = 0; start < MISSED; start += 48) {
        await Promise.all(Array.from({ length: Math.min(48, MISSED - start) }, async () => {
          const e = makeEnvelope(owners[0].deviceKey)
          missed[0].push(hex(e.id))
          expect(await sender.deposit(relayA.multiaddrs[0], e)).toEqual({ duplicate: false })
        }))
      }
      const secret = makeEnvelope(owners[1].deviceKey, { flags: SECRET_FLAG })
      await sender.deposit(relayA.multiaddrs[0], secret)
      missed[1].push(hex(secret.id))
      expect(pgStore(relayB).poolStats().listening).toBe(false)
      expect(pushed[0]).toEqual([hex(before.id)])
      expect(pushed[1]).toEqual([])

      // B may connect again: it listens, replays, and its subscribers get everything
      await admin.unsafe(`ALTER ROLE ${roleB} LOGIN`)
      await waitFor(() => pushed[0].length >= 1 + MISSED && pushed[1].length >= 1, 60_000, 'the missed deposits pushed after B hears again')
      expect(pgStore(relayB).poolStats().listening).toBe(true)

      // later deposits are pushed as usual, after the replayed ones; nothing arrived twice
      const marker = makeEnvelope(owners[0].deviceKey)
      await sender.deposit(relayA.multiaddrs[0], marker)
      await waitFor(() => pushed[0].includes(hex(marker.id)), 30_000, 'the marker pushed')
      expect(new Set(pushed[0]).size).toBe(pushed[0].length)
      expect(new Set(pushed[0])).toEqual(new Set([hex(before.id), ...missed[0], hex(marker.id)]))
      expect(pushed[0][0]).toBe(hex(before.id))
      expect(pushed[0][pushed[0].length - 1]).toBe(hex(marker.id))
      expect(pushed[1]).toEqual(missed[1])
      // the secret envelope went once pushed, as a push from a live notice would have it
      const secretMailbox = hex(owners[1].deviceKey)
      await waitFor(async () => (await relayA.storage.mailboxState(secretMailbox)).envelopes === 0, 30_000, 'the pushed secret envelope deleted')
    } finally {
      for (const s of subs) s.close()
      await sender.stop()
      await ownerClient.stop()
    }
  }, 180_000)
})
