/**
 * SIGKILL during a batched drain (issue #22): the receiver receives each drained page in one
 * store transaction and acks it after the commit. Killed right after a page's commit (its
 * `message` events are printed after the commit, its ack goes out after them) and again during
 * a later page, it restarts and ends with every message stored exactly once and in
 * order: the relay re-delivers what was committed but not acked, and the ratchet's replay check
 * and the message-id dedup drop it. Real processes on 127.0.0.1, a relay process between them.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { spawnPeer, startPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup, type ScriptProcess } from '../helpers/processes.js'
import { expectExactlyOnce, expectNothingOnRelays, nth, shownTexts, storedTexts } from './invariants.js'

/** Small pages, so that the drain has several and a kill lands between two of them. */
const PAGE = 20
const COUNT = 120

describe('fault injection: a receiver killed during a batched drain', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: RelayProcess
  const peers: Peer[] = []
  const lives: ScriptProcess[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-faults-drain-')
    relay = await startRelayProcess(join(dir.path, 'r'))
  }, 120_000)

  afterAll(async () => {
    for (const p of peers) await stopPeer(p)
    for (const l of lives) await killGroup(l.child)
    if (relay != null) await killGroup(relay.proc.child)
    await dir?.cleanup()
  })

  it('killed after a page\'s commit and again during a later page: after its restart every message is stored exactly once, in order, and none is shown twice', async () => {
    const bArgs = ['--relay', relay.addr, '--drain-page-size', String(PAGE)]
    let b = await startPeer(join(dir.path, 'b'), bArgs)
    peers.push(b)
    await b.request({ cmd: 'publish' })
    const bAddress = b.address
    await stopPeer(b)

    const a = await startPeer(join(dir.path, 'a'), ['--relay-count', '0', '--bootstrap', relay.addr])
    peers.push(a)
    const sent = Array.from({ length: COUNT }, (_, i) => `KILLPAGE-${String(i).padStart(3, '0')}`)
    for (const text of sent) await a.request({ cmd: 'send', to: bAddress, text })
    await waitUntil(async () => (await a.request({ cmd: 'outbox' })).count === 0, 90_000, 'A deposited everything')

    // life 1: killed as soon as the first page's commit shows (its ack is at most on its way)
    const first = spawnPeer(join(dir.path, 'b'), bArgs)
    lives.push(first)
    await first.waitForLine(nth(1, (l) => l.startsWith('{"event":"message"')), 90_000)
    await killGroup(first.child)
    const shownFirst = shownTexts([first]).length
    expect(shownFirst, 'life 1 was killed before the drain ended').toBeLessThan(sent.length)

    // life 2: killed during a later page (the first line of its second page's events: the page
    // after it, fetched ahead, is being received)
    const second = spawnPeer(join(dir.path, 'b'), bArgs)
    lives.push(second)
    await second.waitForLine(nth(PAGE + 1, (l) => l.startsWith('{"event":"message"')), 90_000)
    await killGroup(second.child)
    expect(shownFirst + shownTexts([second]).length, 'life 2 was killed before the drain ended').toBeLessThan(sent.length)

    // life 3: runs to the end
    b = await startPeer(join(dir.path, 'b'), bArgs)
    peers.push(b)
    await waitUntil(async () => (await storedTexts(b, a.address)).length >= sent.length, 90_000, 'B has every message')
    const stored = await storedTexts(b, a.address)
    expectExactlyOnce(sent, sent, stored)
    expect(stored, 'in the order sent').toEqual(sent)
    // never shown twice across the three lives (a second decrypt of a committed envelope would be);
    // a kill between a commit and its printed events drops lines of messages that are stored
    const shown = shownTexts([first, second, b.proc])
    expect(shown.filter((t, i) => shown.indexOf(t) !== i), 'shown twice').toEqual([])
    expect(shown.filter((t) => !sent.includes(t)), 'never sent').toEqual([])
    await waitUntil(async () => (await b.request({ cmd: 'outbox' })).count === 0, 30_000, 'B idle')
    await expectNothingOnRelays([relay.dir], ['KILLPAGE', a.address])
  }, 300_000)
})
