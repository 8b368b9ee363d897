/**
 * The relay suite's PostgreSQL part: a real PostgreSQL (Debian's server binaries, fsync on) in a
 * temporary directory, and 1, 2 then 3 `parley relay` processes sharing one fresh database each
 * time, driven by the relay suite's 50 clients (client i deposits through member i mod n, owner
 * i drains through member (i + 1) mod n, so most fetches read what another process stored).
 * Records deposits/s and fetch+ack/s per fleet size next to the LevelDB figures of the same run,
 * the database size and the members' RSS per million envelopes held (extrapolated from what was
 * held), and the push latency across processes (deposit sent through member 0 → pushed to a
 * subscriber on member 1; p50, p95). Everything shares the machine's cores: on two cores more
 * members cannot add throughput, they add processes competing with the database.
 *
 * PARLEY_BENCH_FLEET_PER_CLIENT (default 400: 20,000 envelopes per fleet size) and
 * PARLEY_BENCH_FLEET_PUSHES (default 200) shorten it.
 */
import type { Libp2p } from '@libp2p/interface'
import type { ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MailboxClient, type MailboxOwnerCredentials } from '../../src/net/mailbox-client.js'
import { connectSql, startPostgres, type TestPostgres } from '../../tests/helpers/postgres.js'
import type { SuiteContext } from '../harness/context.js'
import { client, envelope, freePort, owner, pool, processMemory, startRelayProcess, stopRelayProcess } from '../suites/relay.js'

const PER_CLIENT = Number(process.env.PARLEY_BENCH_FLEET_PER_CLIENT ?? 400)
const PUSHES = Number(process.env.PARLEY_BENCH_FLEET_PUSHES ?? 200)
const IN_FLIGHT = 16
const STEP_MS = 10 * 60_000

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

/** Starts `n` relay processes on the database at `url`; stops them all if one fails to start. */
async function startMembers (root: string, n: number, url: string, signal: AbortSignal): Promise<Array<{ child: ChildProcess, addr: string }>> {
  const members: Array<{ child: ChildProcess, addr: string }> = []
  try {
    for (let k = 0; k < n; k++) {
      const dir = join(root, `fleet${n}`, `member${k}`)
      await mkdir(dir, { recursive: true })
      members.push(await startRelayProcess(join(dir, 'data'), await freePort(), signal, { postgres: url }))
    }
  } catch (err) {
    for (const m of members) await stopRelayProcess(m.child)
    throw err
  }
  return members
}

export async function runFleet (ctx: SuiteContext, nodes: Libp2p[], _clients: MailboxClient[], owners: MailboxOwnerCredentials[]): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'parley-bench-fleet-'))
  let pg: TestPostgres | undefined
  const phase = { defaultMs: STEP_MS }
  try {
    pg = await ctx.step('fleet: PostgreSQL started (fsync on)', async () => await startPostgres({ fsync: true }), phase)
    const server = pg
    const admin = await connectSql(server.url)
    try {
      for (const n of [1, 2, 3]) {
        await admin.unsafe(`CREATE DATABASE fleet${n}`)
        const url = server.url.replace(/\/parley$/, `/fleet${n}`)
        const members = await ctx.step(`fleet of ${n}: relay processes started`, async (signal) => await startMembers(root, n, url, signal), phase)
        const clients = nodes.map((node) => new MailboxClient(node, { maxInFlight: IN_FLIGHT }))
        try {
          const total = nodes.length * PER_CLIENT
          await ctx.step(`fleet of ${n}: warm-up`, async (signal) => {
            // 50 clients dialling and authenticating at once on two shared cores: a stream open may time out; tried again
            await Promise.all(clients.map(async (c, i) => {
              for (let attempt = 1; ; attempt++) {
                try { await c.drain(members[i % n].addr, owners[i], () => {}, { signal }); return } catch (err) { if (attempt === 3) throw err }
              }
            }))
          }, phase)
          await ctx.step(`PostgreSQL, ${n} relay process${n > 1 ? 'es' : ''}: deposits/s`, async (signal) => {
            const start = performance.now()
            await Promise.all(clients.map(async (c, i) => {
              const recipient = owners[(i + 1) % owners.length].device.publicKey
              await pool(PER_CLIENT, IN_FLIGHT, async () => { await c.deposit(members[i % n].addr, envelope(recipient), { signal }) })
            }))
            const seconds = (performance.now() - start) / 1000
            ctx.record({ name: `PostgreSQL store, ${n} relay process${n > 1 ? 'es' : ''} on one database: deposits/s, 1 KiB, ${nodes.length} clients × ${IN_FLIGHT} in flight (${total.toLocaleString('en')})`, value: total / seconds, unit: 'env/s' })
          }, phase)
          if (n === 1) {
            await ctx.step('PostgreSQL: database size and relay RSS per 1M envelopes held', async () => {
              const [row] = await admin<Array<{ b: string }>>`SELECT pg_database_size(${`fleet${n}`}) AS b`
              const [empty] = await admin<Array<{ b: string }>>`SELECT pg_database_size('parley') AS b`
              const rss = (await processMemory(members[0].child.pid ?? 0)).rss
              const perMillion = (Number(row.b) - Number(empty.b)) / total * 1e6 / 2 ** 20
              ctx.record({ name: `PostgreSQL store: database size per 1M 1 KiB envelopes held (extrapolated from ${total.toLocaleString('en')}; tables and indexes)`, value: perMillion, unit: 'MiB' })
              ctx.record({ name: `PostgreSQL store: relay process RSS with ${total.toLocaleString('en')} envelopes held (the mailboxes live in the database: it does not grow with them)`, value: rss, unit: 'MiB' })
            }, phase).catch(ctx.keepGoing)
          }
          await ctx.step(`PostgreSQL, ${n} relay process${n > 1 ? 'es' : ''}: fetch+ack/s`, async (signal) => {
            const start = performance.now()
            const drained = await Promise.all(clients.map(async (c, i) => c.drain(members[(i + 1) % n].addr, owners[i], () => {}, { pageSize: 100, signal })))
            const seconds = (performance.now() - start) / 1000
            const got = drained.reduce((a, b) => a + b, 0)
            if (got !== total) throw new Error(`drained ${got}, expected ${total}`)
            ctx.record({ name: `PostgreSQL store, ${n} relay process${n > 1 ? 'es' : ''}: fetch+ack/s, ${nodes.length} owners draining through another member than they were deposited at`, value: got / seconds, unit: 'env/s' })
          }, phase)
          if (n === 3) {
            await ctx.step('PostgreSQL, 3 relay processes: push latency across processes', async (signal) => {
              const listener = await client()
              const subscriberClient = new MailboxClient(listener)
              const who = owner()
              const waiting = new Map<string, () => void>()
              const sub = await subscriberClient.subscribe(members[1].addr, who, (e) => { waiting.get(Buffer.from(e.id).toString('hex'))?.() }, { signal })
              try {
                const samples: number[] = []
                for (let k = 0; k < PUSHES; k++) {
                  const e = envelope(who.device.publicKey)
                  const { promise, resolve } = Promise.withResolvers<void>()
                  waiting.set(Buffer.from(e.id).toString('hex'), resolve)
                  const start = performance.now()
                  await clients[k % clients.length].deposit(members[0].addr, e, { signal })
                  await promise
                  samples.push(performance.now() - start)
                }
                samples.sort((a, b) => a - b)
                ctx.record({ name: `push across processes: deposit sent to member 0 → pushed to a subscriber on member 1 (${PUSHES} one at a time), p50`, value: percentile(samples, 0.5), unit: 'ms' })
                ctx.record({ name: 'push across processes, p95', value: percentile(samples, 0.95), unit: 'ms' })
              } finally {
                sub.close()
                await subscriberClient.stop()
                await listener.stop()
              }
            }, phase).catch(ctx.keepGoing)
          }
        } finally {
          await Promise.all(clients.map(async (c) => c.stop()))
          for (const m of members) await stopRelayProcess(m.child)
        }
      }
    } finally {
      await admin.end()
    }
  } finally {
    await pg?.destroy()
    await rm(root, { recursive: true, force: true })
  }
}
