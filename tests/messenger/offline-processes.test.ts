import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { filesContaining } from '../helpers/files.js'
import { tempDir } from '../helpers/network.js'
import { startPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup, type ScriptProcess } from '../helpers/processes.js'

describe('offline delivery between separate processes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const started: Array<{ child: ScriptProcess['child'] }> = []
  let r1: RelayProcess
  let r2: RelayProcess
  let a: Peer | undefined
  let b: Peer | undefined

  beforeAll(async () => {
    dir = await tempDir('parley-procs-')
    r1 = await startRelayProcess(join(dir.path, 'r1'))
    r2 = await startRelayProcess(join(dir.path, 'r2'))
    started.push(r1.proc, r2.proc)
  }, 120_000)

  afterAll(async () => {
    await stopPeer(a)
    await stopPeer(b)
    for (const p of started) await killGroup(p.child)
    await dir?.cleanup()
  })

  it('B offline: A sends 100; a relay dies; B comes back and gets all 100 once, in order; relays never see plaintext or A', async () => {
    const relays = [r1.addr, r2.addr]
    // B registers its two relays (its record lists them), then goes offline
    b = await startPeer(join(dir.path, 'b'), relays.flatMap((r) => ['--relay', r]))
    const bAddress = b.address
    await b.request({ cmd: 'publish' })
    await stopPeer(b)

    // A keeps no mailbox of its own, so no relay ever learns A's account
    a = await startPeer(join(dir.path, 'a'), ['--relay-count', '0', ...relays.flatMap((r) => ['--bootstrap', r])])
    for (let i = 0; i < 100; i++) await a.request({ cmd: 'send', to: bAddress, text: `MARKER-${String(i).padStart(3, '0')}` })
    await waitUntil(async () => (await a!.request({ cmd: 'outbox' })).count === 0, 60_000, 'A outbox drained to the relays')
    const stored = a.proc.lines.filter((l) => l.includes('"state":"stored"')).length
    expect(stored).toBe(100)

    // replication: one relay is killed after the deposits
    await killGroup(r1.proc.child)

    b = await startPeer(join(dir.path, 'b'), relays.flatMap((r) => ['--relay', r]))
    const expected = Array.from({ length: 100 }, (_, i) => `MARKER-${String(i).padStart(3, '0')}`)
    await waitUntil(async () => ((await b!.request({ cmd: 'texts', with: a!.address })).texts as string[]).length >= 100, 60_000, 'B received 100')
    expect((await b.request({ cmd: 'texts', with: a.address })).texts).toEqual(expected)

    for (const relayDir of ['r1', 'r2']) {
      expect(await filesContaining(join(dir.path, relayDir), Buffer.from('MARKER'))).toEqual([])
      expect(await filesContaining(join(dir.path, relayDir), Buffer.from(a.address))).toEqual([])
    }
  }, 240_000)

  it("A's outbox survives A's restart and delivers when B comes back", async () => {
    await stopPeer(b)
    await killGroup(r2.proc.child) // no relay left: only direct delivery can work
    const bAddress = b!.address
    for (let i = 0; i < 5; i++) await a!.request({ cmd: 'send', to: bAddress, text: `LATER-${i}` })
    expect((await a!.request({ cmd: 'outbox' })).count).toBe(5)
    await stopPeer(a)

    a = await startPeer(join(dir.path, 'a'), ['--relay-count', '0'])
    expect((await a.request({ cmd: 'outbox' })).count).toBe(5)
    b = await startPeer(join(dir.path, 'b'), ['--bootstrap', a.multiaddrs[0]])
    await waitUntil(async () => ((await b!.request({ cmd: 'texts', with: a!.address })).texts as string[]).filter((t) => t.startsWith('LATER-')).length === 5, 60_000, 'B received the 5 queued messages')
    const later = ((await b.request({ cmd: 'texts', with: a.address })).texts as string[]).filter((t) => t.startsWith('LATER-'))
    expect(later).toEqual(['LATER-0', 'LATER-1', 'LATER-2', 'LATER-3', 'LATER-4'])
    await waitUntil(async () => (await a!.request({ cmd: 'outbox' })).count === 0, 20_000, 'A outbox empty')
  }, 180_000)
})
