/**
 * The outbox worker removes entries that finish together in one store transaction (issue #22),
 * each delivery's outcome announced only after the commit that removed its entry. Real store
 * (in memory), the worker's network stubbed: ten sends held until all ten are in flight.
 */
import { defaultLogger } from '@libp2p/logger'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bytes.js'
import type { Depositor, Envelopes } from '../../../src/messenger/components.js'
import { OutboxWorker, type OutboxOutcome } from '../../../src/messenger/delivery/outbox-worker.js'
import { ENVELOPE_VERSION, Envelope } from '../../../src/net/envelope-codec.js'
import { waitFor } from '../../helpers/network.js'
import { device, memoryStore } from './stubs.js'

describe('outbox: finished entries removed together', () => {
  it('ten deliveries acked together: one transaction removes them all, every outcome after it', async () => {
    const store = await memoryStore()
    const target = device()
    const now = Date.now()
    for (let i = 0; i < 10; i++) {
      const id = randomBytes(16)
      const envelope = Envelope.encode({ version: ENVELOPE_VERSION, id, recipientDevice: target.deviceKey, payload: new Uint8Array([i]), createdAt: BigInt(now), expiresAt: 0n, flags: 0 })
      await store.outbox.put({ id: toHex(id), envelope, targets: [], target: { kind: 'sealed', address: 'peer', deviceKey: toHex(target.deviceKey), directOnly: false }, attempts: 0, nextAttemptAt: now, createdAt: now, messageId: null, lastError: null })
    }
    // every transaction from here on is the worker's (it reads the due entries outside any)
    const removals: number[] = []
    const transaction = store.transaction.bind(store)
    store.transaction = async (fn, options) => transaction(async (tx, part) => {
      let deleted = 0
      const counting = new Proxy(tx, { get: (t, key) => key === 'outbox' ? { ...t.outbox, delete: async (id: string) => { deleted++; return await t.outbox.delete(id) } } : t[key as keyof typeof t] })
      try {
        return await fn(counting, part)
      } finally {
        removals.push(deleted)
      }
    }, options)
    let inFlight = 0
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    const envelopes = {
      send: async () => { if (++inFlight === 10) release(); await released; return { status: 'OK' } }
    } as unknown as Envelopes
    const outcomes: Array<{ outcome: OutboxOutcome, left: number }> = []
    const worker = new OutboxWorker({
      store, envelopes, depositor: {} as unknown as Depositor, log: defaultLogger().forComponent('test:outbox'),
      resolve: async () => ({ device: target, relays: [], fleets: [] }),
      pollMs: 60_000
    })
    worker.addEventListener('outcome', (evt) => {
      void store.outbox.due(2 ** 50, { limit: 50 }).then((due) => { outcomes.push({ outcome: evt.detail, left: due.items.length }) })
    })
    worker.start()
    try {
      await waitFor(() => outcomes.length === 10, 30_000, 'ten outcomes')
      expect(outcomes.map((o) => o.outcome.state)).toEqual(Array(10).fill('sent'))
      // each outcome came after its entry's removal: none of them saw all ten still there
      expect(outcomes.every((o) => o.left < 10)).toBe(true)
      expect((await store.outbox.due(2 ** 50, { limit: 50 })).items).toHaveLength(0)
      // ten deliveries finishing together, removed in one transaction
      expect(removals).toEqual([10])
    } finally {
      await worker.stop()
      await store.close()
    }
  })
})
