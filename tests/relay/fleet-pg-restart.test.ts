import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MailboxErrorCode } from '../../src/net/mailbox-codec.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { freePort, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeEnvelope, makeOwner, startClient, type TestOwner } from './helpers.js'
import { signalGroup, spawnRelayProcess, type RelayProcess } from './process-helpers.js'

const FAST = { perSecond: 1_000_000, burst: 1_000_000 }
/** PostgreSQL stops and starts again this many times while the load runs. */
const RESTARTS = 3
/** Deposits each relay acknowledges between two restarts (and before the first). */
const PER_PHASE = 30

interface Member extends RelayProcess { metrics: string, stderr: () => string, exits: string[] }

async function health (member: Member): Promise<{ status: number, text: string }> {
  const res = await fetch(`http://${member.metrics}/healthz`)
  return { status: res.status, text: await res.text() }
}

async function metricsOf (member: Member): Promise<string> {
  return await (await fetch(`http://${member.metrics}/metrics`)).text()
}

describe('relay fleet: PostgreSQL restarted again and again under load (relays in child processes)', () => {
  let pg: TestPostgres
  let dir: { path: string, cleanup: () => Promise<void> }
  const members: Member[] = []
  const nodes: Libp2p[] = []

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-restart-')
    const url = await freshDatabase(pg)
    for (let i = 0; i < 2; i++) {
      const configPath = join(dir.path, `relay${i}.json`)
      const metricsPort = await freePort()
      await writeFile(configPath, JSON.stringify({
        dataDir: `./data${i}`,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        metrics: { host: '127.0.0.1', port: metricsPort },
        provide: { enabled: false },
        log: { level: 'info' },
        manyPeersPerAddress: true,
        store: { postgres: url },
        limits: { depositRate: FAST, fetchRate: FAST, mailboxMaxEnvelopes: 100_000 }
      }))
      const proc = await spawnRelayProcess(configPath)
      let stderr = ''
      proc.child.stderr?.on('data', (d) => { stderr += String(d) })
      const exits: string[] = []
      proc.child.once('exit', (code, signal) => { exits.push(`${code ?? signal ?? '?'}`) })
      members.push({ ...proc, metrics: `127.0.0.1:${metricsPort}`, stderr: () => stderr, exits })
    }
    for (let i = 0; i < 3; i++) nodes.push(await startClient())
  })

  afterAll(async () => {
    for (const n of nodes) await n.stop()
    for (const m of members) await signalGroup(m.child, 'SIGTERM')
    await pg?.destroy()
    await dir?.cleanup()
  })

  it(`stays up through ${RESTARTS} restarts: ERR_STORE_UNAVAILABLE while the database is down, served again after, no stored envelope lost, pushes across processes again`, async () => {
    const owners: TestOwner[] = Array.from({ length: 4 }, () => makeOwner())
    const senders = [new MailboxClient(nodes[0], { requestTimeoutMs: 10_000 }), new MailboxClient(nodes[1], { requestTimeoutMs: 10_000 })]
    const reader = new MailboxClient(nodes[2], { requestTimeoutMs: 10_000 })
    await Promise.all(owners.map(async (o, k) => await reader.fetch(members[k % 2].addrs[0], o)))

    /** Acknowledged deposits: id → owner index; per relay, how many it acknowledged. */
    const acked = new Map<string, number>()
    const ackedAt = [0, 0]
    /** Every outcome code seen by a deposit or a drain ('ok' for success). */
    const outcomes = { deposit: new Map<string, number>(), drain: new Map<string, number>() }
    const count = (m: Map<string, number>, code: string): void => { m.set(code, (m.get(code) ?? 0) + 1) }
    const drained = new Set<string>()
    const state = { stop: false, n: 0 }

    const depositLoop = async (sender: MailboxClient): Promise<void> => {
      while (!state.stop) {
        const n = state.n++
        const at = n % 2
        const k = n % owners.length
        const envelope = makeEnvelope(owners[k].deviceKey, { payload: new Uint8Array(200) })
        try {
          await sender.deposit(members[at].addrs[0], envelope)
          acked.set(hex(envelope.id), k)
          ackedAt[at]++
          count(outcomes.deposit, 'ok')
        } catch (err) {
          count(outcomes.deposit, (err as { code?: string }).code ?? String(err))
        }
      }
    }
    const drainLoop = async (): Promise<void> => {
      for (let round = 0; !state.stop; round++) {
        const k = round % owners.length
        try {
          // owner k drains through the other relay than the one its mailbox was first opened at
          await reader.drain(members[(k + 1) % 2].addrs[0], owners[k], (e) => { drained.add(hex(e.id)) }, { pageSize: 50 })
          count(outcomes.drain, 'ok')
        } catch (err) {
          count(outcomes.drain, (err as { code?: string }).code ?? String(err))
        }
      }
    }
    const unavailable = (): number => (outcomes.deposit.get(MailboxErrorCode.STORE_UNAVAILABLE) ?? 0)
    const drainRefusals = (): number => (outcomes.drain.get(MailboxErrorCode.STORE_UNAVAILABLE) ?? 0)

    const load = Promise.all([...senders.flatMap((s) => [depositLoop(s), depositLoop(s)]), drainLoop()])
    let down = false
    try {
      for (let restart = 1; restart <= RESTARTS; restart++) {
        const before = [...ackedAt]
        const drainedBefore = drained.size
        await waitFor(() => ackedAt.every((n, i) => n >= before[i] + PER_PHASE), 60_000, `deposits at both relays before restart ${restart}`)
        await waitFor(() => drained.size > drainedBefore, 60_000, `drains before restart ${restart}`)
        const refused = unavailable()
        const drainRefused = drainRefusals()
        down = true
        await pg.stop()
        await waitFor(() => unavailable() >= refused + 10 && drainRefusals() > drainRefused, 60_000, `refusals while down (restart ${restart})`)
        for (const m of members) {
          expect(m.exits).toEqual([])
          const h = await health(m)
          expect(h.status).toBe(503)
          expect(h.text).toContain('database: postgres down')
          expect(await metricsOf(m)).toMatch(/^parley_relay_db_up 0$/m)
          // the LISTEN connection is found lost (the server's shutdown reaches it too)
          await waitFor(async () => /^parley_relay_db_listening 0$/m.test(await metricsOf(m)), 30_000, 'LISTEN connection seen lost')
        }
        await pg.start()
        down = false
      }
      const before = [...ackedAt]
      await waitFor(() => ackedAt.every((n, i) => n >= before[i] + PER_PHASE), 60_000, 'deposits at both relays after the last restart')
    } finally {
      state.stop = true
      await load
      if (down) await pg.start()
    }

    // the relay processes lived through it all, and said nothing of a crash
    for (const m of members) {
      expect(m.exits).toEqual([])
      expect(m.child.exitCode).toBeNull()
      expect(m.stderr()).not.toMatch(/TypeError|uncaught|unhandled/i)
      expect(m.stderr()).toContain('database unavailable')
      await waitFor(async () => (await health(m)).status === 200, 30_000, 'healthy again')
      await waitFor(async () => /^parley_relay_db_listening 1$/m.test(await metricsOf(m)), 30_000, 'listening again')
      const metrics = await metricsOf(m)
      expect(metrics).toMatch(/^parley_relay_db_up 1$/m)
      expect(metrics).toMatch(/^parley_relay_db_pool_connections [1-9]/m)
      expect(metrics).toMatch(/^parley_relay_db_pool_waiting 0$/m)
      expect(metrics).toMatch(/^parley_relay_db_operations_total\{result="unavailable"\} [1-9]/m)
    }
    // every failure a client saw was the retryable one
    expect([...outcomes.deposit.keys()].sort()).toEqual([MailboxErrorCode.STORE_UNAVAILABLE, 'ok'].sort())
    expect([...outcomes.drain.keys()].sort()).toEqual([MailboxErrorCode.STORE_UNAVAILABLE, 'ok'].sort())

    // nothing acknowledged was lost: what the drains did not take yet is still there, at either relay
    for (const [k, owner] of owners.entries()) {
      await reader.drain(members[k % 2].addrs[0], owner, (e) => { drained.add(hex(e.id)) }, { pageSize: 200 })
    }
    const lost = [...acked.keys()].filter((id) => !drained.has(id))
    expect(lost).toEqual([])
    expect(acked.size).toBeGreaterThanOrEqual(2 * PER_PHASE * (RESTARTS + 1))

    // pushes cross processes again: the LISTEN connection came back after the restarts
    const pushed: string[] = []
    const sub = await reader.subscribe(members[1].addrs[0], owners[0], (e) => { pushed.push(hex(e.id)) })
    // a notice sent before relay 1 listens again is missed (the owner's next fetch gets that one): deposit until one is pushed
    const sent = new Set<string>()
    let lastSent = 0
    await waitFor(async () => {
      if (pushed.length > 0) return true
      if (Date.now() - lastSent < 500) return false
      lastSent = Date.now()
      const e = makeEnvelope(owners[0].deviceKey)
      await senders[0].deposit(members[0].addrs[0], e)
      sent.add(hex(e.id))
      return false
    }, 30_000, 'a push from the other process')
    expect(pushed.every((id) => sent.has(id))).toBe(true)
    sub.close()
    await sub.closed
    for (const s of senders) await s.stop()
    await reader.stop()
  })
})
