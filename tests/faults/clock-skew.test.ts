/**
 * Clock skew between peers (minutes and days, ahead and behind), each peer a process whose wall
 * clock is shifted (skewed-clock.mjs). Plain messages arrive exactly once whatever the skew; a
 * disappearing message never outlives its timer at the recipient because the sender's clock runs
 * ahead, and one the sender's clock says is already expired is reported failed to the sender,
 * never shown.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { startPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup } from '../helpers/processes.js'
import { expectExactlyOnce, shownTexts } from './invariants.js'

const SKEW = new URL('./skewed-clock.mjs', import.meta.url).pathname
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const TTL = 60 * MINUTE

interface Shown { id: string, text: string, expiresAt: number | null, sentAt: number }

describe('fault injection: clock skew between peers', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: RelayProcess
  let b: Peer
  const peers: Peer[] = []

  const skewed = async (name: string, offsetMs: number): Promise<Peer> => {
    const peer = await startPeer(join(dir.path, name), ['--bootstrap', relay.addr], { NODE_OPTIONS: `--import=${SKEW}`, PARLEY_CLOCK_OFFSET_MS: String(offsetMs) })
    peers.push(peer)
    return peer
  }

  const messagesAtB = async (from: Peer): Promise<Shown[]> => (await b.request({ cmd: 'messages', with: from.address })).messages as Shown[]

  beforeAll(async () => {
    dir = await tempDir('parley-faults-clock-')
    relay = await startRelayProcess(join(dir.path, 'r'))
    // B's clock is right; it stays online: direct delivery
    b = await startPeer(join(dir.path, 'b'), ['--bootstrap', relay.addr])
    peers.push(b)
    await b.request({ cmd: 'publish' })
  }, 120_000)

  afterAll(async () => {
    for (const p of peers) await stopPeer(p)
    if (relay != null) await killGroup(relay.proc.child)
    await dir?.cleanup()
  })

  for (const [label, offset] of [['2 days ahead', 2 * DAY], ['5 minutes ahead', 5 * MINUTE], ['5 minutes behind', -5 * MINUTE], ['2 days behind', -2 * DAY]] as const) {
    it(`sender ${label}: plain messages arrive once; a disappearing one lives at most its timer`, async () => {
      const a = await skewed(`a-${offset}`, offset)
      const tag = `SKEW${offset}`
      const plain = [`${tag}-plain-1`, `${tag}-plain-2`]
      for (const text of plain) await a.request({ cmd: 'send', to: b.address, text })
      await waitUntil(async () => plain.every((t) => shownTexts([b.proc]).includes(t)), 60_000, 'B shows the plain messages')
      expectExactlyOnce(plain, plain, shownTexts([b.proc]).filter((t) => t.startsWith(tag)))

      const sentAtReal = Date.now()
      const reply = await a.request({ cmd: 'send', to: b.address, text: `${tag}-disappearing`, ttlMs: TTL })
      const id = reply.messageId as string
      if (offset < -TTL) {
        // by the sender's own clock the message expired before it was sent: refused, and the sender is told
        await a.proc.waitForLine((l) => l.includes(`"messageId":"${id}"`) && l.includes('"state":"failed"'), 60_000)
        expect(shownTexts([b.proc])).not.toContain(`${tag}-disappearing`)
      } else {
        await waitUntil(async () => shownTexts([b.proc]).includes(`${tag}-disappearing`), 60_000, 'B shows the disappearing message')
        const shown = (await messagesAtB(a)).find((m) => m.text === `${tag}-disappearing`)
        expect(shown?.expiresAt).not.toBeNull()
        // never longer than its timer from when it was sent (by the real clock), whatever the sender's clock says
        expect(shown!.expiresAt!).toBeLessThanOrEqual(Date.now() + TTL)
        expect(shown!.expiresAt!).toBeGreaterThan(sentAtReal + TTL - 6 * MINUTE)
      }
      await stopPeer(a)
    }, 180_000)
  }
})
