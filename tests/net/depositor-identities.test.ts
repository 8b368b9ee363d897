import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { AnonymousDepositor } from '../../src/net/anonymous-depositor.js'
import { createEphemeralNode } from '../../src/p2p/index.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { makeEnvelope, startTestRelay } from '../relay/helpers.js'

/**
 * The relay's view of who talks to it: the remote PeerId of every connection it accepts, in
 * order, and how many of those are open at once (at most).
 */
class RelayView {
  readonly opened: string[] = []
  private open = 0
  maxOpen = 0

  constructor (relay: Relay) {
    relay.libp2p.addEventListener('connection:open', (evt) => {
      this.opened.push(evt.detail.remotePeer.toString())
      this.maxOpen = Math.max(this.maxOpen, ++this.open)
    })
    relay.libp2p.addEventListener('connection:close', () => { this.open-- })
  }

  /** PeerIds whose connections the relay accepted while `op` ran. */
  async during (op: () => Promise<unknown>): Promise<string[]> {
    const from = this.opened.length
    await op()
    return this.opened.slice(from)
  }
}

describe('throwaway depositor identities (sealed sender at the relay)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let view: RelayView
  let target: string

  beforeAll(async () => {
    dir = await tempDir('parley-depositor-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    view = new RelayView(relay)
    target = relay.multiaddrs[0].toString()
  })

  afterAll(async () => {
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a relay sees a different depositor for each recipient device, for the copy to an own device, and for each prekey take', async () => {
    const depositor = new AnonymousDepositor({ createEphemeralNode: async () => createEphemeralNode({ allowPrivateAddresses: true }), logger: relay.libp2p.logger })
    try {
      const bob1 = randomBytes(32)
      const bob2 = randomBytes(32)
      const carol = randomBytes(32)
      const ownOtherDevice = randomBytes(32)
      const deposit = async (device: Uint8Array): Promise<string[]> => view.during(async () => {
        const outcomes = await depositor.depositToAll([target], makeEnvelope(device), { signal: AbortSignal.timeout(10_000) })
        expect(outcomes.every((o) => o.ok)).toBe(true)
      })
      // Alice writes to Bob's two devices, to Carol, and copies each message to her other device
      const seen = {
        bob1: await deposit(bob1),
        ownCopy: await deposit(ownOtherDevice),
        carol: await deposit(carol),
        bob2: await deposit(bob2)
      }
      for (const peers of Object.values(seen)) expect(peers).toHaveLength(1)
      const depositors = Object.values(seen).flat()
      expect(new Set(depositors).size).toBe(depositors.length)

      // prekey takes (one per new session) come from identities of their own, one each
      const takes = [
        await view.during(async () => depositor.takePrekey([target], bob1, { signal: AbortSignal.timeout(10_000) })),
        await view.during(async () => depositor.takePrekey([target], carol, { signal: AbortSignal.timeout(10_000) }))
      ]
      for (const peers of takes) expect(peers).toHaveLength(1)
      const everyone = [...depositors, ...takes.flat()]
      expect(new Set(everyone).size).toBe(everyone.length)

      // the next message to the same device, soon after, reuses that device's identity
      expect(await deposit(bob1)).toEqual([])
      expect(relay.store.count(toHex(bob1))).toBe(2)
    } finally {
      await depositor.stop()
    }
  })

  it('keeps at most maxAlive throwaway nodes at once and stops each when idle', async () => {
    const depositor = new AnonymousDepositor({ createEphemeralNode: async () => createEphemeralNode({ allowPrivateAddresses: true }), logger: relay.libp2p.logger, maxAlive: 2, idleMs: 100 })
    await waitFor(() => relay.libp2p.getConnections().length === 0, 10_000, 'earlier connections to close')
    view.maxOpen = 0
    try {
      const devices = Array.from({ length: 6 }, () => randomBytes(32))
      const outcomes = await Promise.all(devices.map(async (device) =>
        depositor.depositToAll([target], makeEnvelope(device), { signal: AbortSignal.timeout(20_000) })))
      expect(outcomes.flat().every((o) => o.ok)).toBe(true)
      expect(view.maxOpen).toBeLessThanOrEqual(2)
      // idle identities are stopped: the relay sees their connections close
      await waitFor(() => depositor.aliveIdentities === 0 && relay.libp2p.getConnections().length === 0, 10_000, 'idle identities to stop')
    } finally {
      await depositor.stop()
    }
  })
})
