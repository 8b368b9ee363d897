import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { hex, makeEnvelope, makeOwner, startClient } from './helpers.js'
import { signalGroup, spawnRelayProcess, type RelayProcess } from './process-helpers.js'

const FAST = { perSecond: 1_000_000, burst: 1_000_000 }

describe('relay fleet: a relay process killed under load', () => {
  let pg: TestPostgres
  let dir: { path: string, cleanup: () => Promise<void> }
  const relays: RelayProcess[] = []
  let client: Libp2p

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-proc-')
    const url = await freshDatabase(pg)
    for (let i = 0; i < 3; i++) {
      const configPath = join(dir.path, `relay${i}.json`)
      await writeFile(configPath, JSON.stringify({
        dataDir: `./data${i}`,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        metrics: { port: 0 },
        provide: { enabled: false },
        log: { level: 'warn' },
        manyPeersPerAddress: true,
        store: { postgres: url },
        limits: { depositRate: FAST, fetchRate: FAST, mailboxMaxEnvelopes: 100_000 }
      }))
      relays.push(await spawnRelayProcess(configPath))
    }
    client = await startClient()
  })

  afterAll(async () => {
    await client?.stop()
    for (const r of relays) await signalGroup(r.child, 'SIGKILL')
    await pg?.destroy()
    await dir?.cleanup()
  })

  it('loses nothing it acknowledged and delivers nothing twice when one of three is SIGKILLed; clients move to the others', async () => {
    const owners = Array.from({ length: 6 }, () => makeOwner())
    const sender = new MailboxClient(client, { requestTimeoutMs: 5000 })
    await Promise.all(owners.map(async (o, k) => await sender.fetch(relays[k % 3].addrs[0], o)))
    const dead = new Set<number>()
    const acked = new Set<string>()
    const moved = { count: 0 }
    /** Deposits at relay `start`, moving on to the next one while a relay fails; resolves once one acknowledged it. */
    const deposit = async (n: number): Promise<void> => {
      const owner = owners[n % owners.length]
      const envelope = makeEnvelope(owner.deviceKey, { payload: new Uint8Array(100) })
      for (let attempt = 0; attempt < 6; attempt++) {
        const at = (n + attempt) % 3
        if (dead.has(at)) continue
        try {
          await sender.deposit(relays[at].addrs[0], envelope)
          acked.add(hex(envelope.id))
          return
        } catch {
          // the client learns that this relay is down and moves on (a real client retries it later)
          dead.add(at)
          moved.count++
        }
      }
      throw new Error('no relay took the envelope')
    }
    const state = { next: 0, stop: false }
    const worker = async (): Promise<void> => { while (!state.stop) await deposit(state.next++) }
    const load = Promise.all(Array.from({ length: 24 }, worker))
    let atKill = 0
    try {
      await waitFor(() => acked.size >= 600, 60_000, 'deposits before the kill')
      // the kill lands while requests are in flight on relay 1
      await signalGroup(relays[1].child, 'SIGKILL')
      atKill = acked.size
      await waitFor(() => acked.size >= atKill + 600, 60_000, 'deposits after the kill')
    } finally {
      state.stop = true
      await load
    }
    expect(moved.count).toBeGreaterThan(0)
    expect(dead).toEqual(new Set([1]))
    // every acknowledged envelope is there, through either survivor, each once
    const reader = new MailboxClient(client)
    let fetched = 0
    for (const [k, owner] of owners.entries()) {
      const ids: string[] = []
      await reader.drain(relays[k % 2 === 0 ? 0 : 2].addrs[0], owner, (e) => { ids.push(hex(e.id)) }, { pageSize: 200 })
      expect(new Set(ids).size).toBe(ids.length)
      for (const id of ids) acked.delete(id)
      fetched += ids.length
    }
    expect([...acked]).toEqual([])
    expect(fetched).toBeGreaterThanOrEqual(atKill + 600)
    await sender.stop()
    await reader.stop()
  })
})
