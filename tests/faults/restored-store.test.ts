/**
 * A device restored from an old copy of its store (its ratchet state replayed): the peer's new
 * messages reach it exactly once, and what the restored device sends reaches the peer exactly
 * once, never decrypted twice.
 */
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { startPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup } from '../helpers/processes.js'
import { expectExactlyOnce, shownTexts } from './invariants.js'

describe('fault injection: a device restored from an old copy of its store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: RelayProcess
  const peers: Peer[] = []
  const start = async (name: string): Promise<Peer> => {
    const peer = await startPeer(join(dir.path, name), ['--relay', relay.addr])
    peers.push(peer)
    return peer
  }
  const exchange = async (from: Peer, to: Peer, texts: string[]): Promise<void> => {
    for (const text of texts) await from.request({ cmd: 'send', to: to.address, text })
    await waitUntil(async () => texts.every((t) => shownTexts([to.proc]).includes(t)), 60_000, `${texts[0]}… shown`)
  }

  beforeAll(async () => {
    dir = await tempDir('parley-faults-restore-')
    relay = await startRelayProcess(join(dir.path, 'r'))
  }, 120_000)

  afterAll(async () => {
    for (const p of peers) await stopPeer(p)
    if (relay != null) await killGroup(relay.proc.child)
    await dir?.cleanup()
  })

  it('both directions keep working, each message shown once', async () => {
    const a = await start('a')
    let b = await start('b')
    await a.request({ cmd: 'publish' })
    await b.request({ cmd: 'publish' })
    const before = ['OLD-A-1', 'OLD-A-2']
    await exchange(a, b, before)
    await exchange(b, a, ['OLD-B-1', 'OLD-B-2'])

    // the copy is taken
    await stopPeer(b)
    await cp(join(dir.path, 'b'), join(dir.path, 'b-copy'), { recursive: true })

    // life goes on after the copy: both ratchets move
    b = await start('b')
    await exchange(a, b, ['MID-A-1', 'MID-A-2'])
    await exchange(b, a, ['MID-B-1', 'MID-B-2'])
    await stopPeer(b)

    // the device is restored from the old copy
    await rm(join(dir.path, 'b'), { recursive: true, force: true })
    await cp(join(dir.path, 'b-copy'), join(dir.path, 'b'), { recursive: true })
    const restored = await start('b')

    const fromA = ['NEW-A-1', 'NEW-A-2', 'NEW-A-3']
    await exchange(a, restored, fromA)
    expectExactlyOnce(fromA, fromA, shownTexts([restored.proc]).filter((t) => t.startsWith('NEW-')))

    const fromB = ['NEW-B-1', 'NEW-B-2', 'NEW-B-3']
    for (const text of fromB) await restored.request({ cmd: 'send', to: a.address, text })
    await waitUntil(async () => fromB.every((t) => shownTexts([a.proc]).includes(t)), 90_000, 'A shows what the restored device sent').catch((err: Error) => {
      throw new Error(`${err.message}; A shows ${JSON.stringify(shownTexts([a.proc]))}; restored B's deliveries ${JSON.stringify(restored.proc.lines.filter((l) => l.includes('"event":"delivery"')))}`)
    })
    // (A's own sends show too: keep what B sent)
    const allAtA = shownTexts([a.proc]).filter((t) => t.includes('-B-'))
    expectExactlyOnce(fromB, [...fromB, 'OLD-B-1', 'OLD-B-2', 'MID-B-1', 'MID-B-2'], allAtA)
    expect(allAtA.filter((t) => t.startsWith('NEW-B-'))).toEqual(fromB)
  }, 300_000)
})
