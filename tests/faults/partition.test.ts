/**
 * A network partition that heals (issue #24), in Linux network namespaces joined by veth pairs
 * (`netns.ts`): a relay, device A and device B each in a namespace of its own, on one bridge.
 * Cutting a member takes its bridge port down: its TCP connections stay open and stall, as
 * when a network really goes away. B is cut off (from A and from its relay) while A sends; then
 * A is cut off while it sends more and B comes back; then A comes back. Afterwards every
 * message A sent is in B's store exactly once and was shown once, and the relay's disk holds
 * no plaintext.
 *
 * Needs root (`ip netns`): skipped, with one printed line, where namespaces cannot be made.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { attachPeer, stopPeer, waitUntil, type Peer } from '../helpers/peers.js'
import { killGroup, spawnScript, type ScriptProcess } from '../helpers/processes.js'
import { expectExactlyOnce, expectNothingOnRelays, shownTexts, storedTexts } from './invariants.js'
import { createLab, netnsRefusal, type Lab } from './netns.js'

const refusal = netnsRefusal()
if (refusal != null) console.log(`partition.test.ts skipped: network namespaces not permitted here (${refusal}); run as root`)

describe.skipIf(refusal != null)('fault injection: a network partition that heals (network namespaces)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let lab: Lab | undefined
  let relay: ScriptProcess | undefined
  let relayAddr: string
  const peers: Peer[] = []

  const startPeerIn = async (member: 'a' | 'b', args: string[]): Promise<Peer> => {
    const peer = await attachPeer(spawnScript('tests/messenger/peer-entry.ts', ['--home', join(dir.path, member), '--listen', `/ip4/${lab!.addr(member)}/tcp/0`, ...args], {}, lab!.launcher(member)))
    peers.push(peer)
    return peer
  }

  beforeAll(async () => {
    dir = await tempDir('parley-faults-partition-')
    lab = createLab(['relay', 'a', 'b'])
    const relayDir = join(dir.path, 'relay')
    await mkdir(relayDir, { recursive: true })
    await writeFile(join(relayDir, 'relay.json'), JSON.stringify({ dataDir: './data', listen: [`/ip4/${lab.addr('relay')}/tcp/0`], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'warn' } }))
    relay = spawnScript('tests/relay/relay-entry.ts', ['--config', join(relayDir, 'relay.json')], {}, lab.launcher('relay'))
    relayAddr = await relay.waitForLine((l) => l.startsWith(`/ip4/${lab!.addr('relay')}/tcp/`), 60_000)
  }, 120_000)

  afterAll(async () => {
    try {
      for (const p of peers) await stopPeer(p)
      if (relay != null) await killGroup(relay.child)
    } finally {
      lab?.destroy()
      await dir?.cleanup()
    }
  })

  it('B cut off while A sends, then A cut off while it sends and B heals, then A heals: every message once', async () => {
    const b = await startPeerIn('b', ['--relay', relayAddr])
    await b.request({ cmd: 'publish' })
    const a = await startPeerIn('a', ['--relay', relayAddr])

    // before the partition: A reaches B (a direct connection, and both at the relay)
    await a.request({ cmd: 'send', to: b.address, text: 'PART-0-warm' })
    await waitUntil(async () => (await storedTexts(b, a.address)).includes('PART-0-warm'), 120_000, 'B has the first message')

    // 1. B is cut off from everybody; A's sends fall back to B's relay
    lab!.cut('b')
    const first = Array.from({ length: 15 }, (_, i) => `PART-1-${String(i).padStart(2, '0')}`)
    for (const text of first) await a.request({ cmd: 'send', to: b.address, text })
    await waitUntil(async () => (await a.request({ cmd: 'outbox' })).count === 0, 180_000, 'A deposited at B\'s relay while B was cut off')
    expect(shownTexts([b.proc]).filter((t) => first.includes(t)), 'B received while it was cut off: no partition').toEqual([])
    expect(a.proc.lines.filter((l) => l.includes('"event":"delivery"') && l.includes('"state":"stored"')).length, 'deposited at the relay, not sent direct').toBeGreaterThanOrEqual(first.length)

    // 2. A is cut off and sends more (they wait in its outbox); B comes back and drains its relay
    lab!.cut('a')
    const second = Array.from({ length: 15 }, (_, i) => `PART-2-${String(i).padStart(2, '0')}`)
    for (const text of second) await a.request({ cmd: 'send', to: b.address, text })
    lab!.heal('b')
    await waitUntil(async () => first.every((t) => b.proc.lines.some((l) => l.includes(t))), 180_000, 'B drained what A sent while B was cut off')
    expect(Number((await a.request({ cmd: 'outbox' })).count), 'A, cut off, still holds what it sent').toBeGreaterThan(0)

    // 3. A comes back: its outbox drains; B has everything exactly once
    lab!.heal('a')
    const all = ['PART-0-warm', ...first, ...second]
    await waitUntil(async () => (await storedTexts(b, a.address)).length >= all.length, 240_000, 'B has every message after both heals').catch(async (err: Error) => {
      throw new Error(`${err.message}: B has ${JSON.stringify(await storedTexts(b, a.address))}; A outbox ${JSON.stringify(await a.request({ cmd: 'outbox' }))}; B stderr ${b.proc.stderr().slice(-1500)}`)
    })
    await waitUntil(async () => (await a.request({ cmd: 'outbox' })).count === 0, 120_000, 'A\'s outbox drained after its heal')
    expectExactlyOnce(all, all, await storedTexts(b, a.address))
    expectExactlyOnce(all, all, shownTexts([b.proc]))
    await expectNothingOnRelays([join(dir.path, 'relay')], ['PART-', a.address])
  }, 600_000)
})
