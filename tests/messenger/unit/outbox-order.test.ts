/**
 * The outbox worker delivers up to 16 entries at once, but one device's entries hand their
 * envelopes to the network in the order they were queued, even when they were queued in the
 * same millisecond (the due index orders those by random id) and when the earlier entries take
 * longer to resolve their device. Sends to one device stay pipelined: none waits for another's
 * ack. Real store (in memory), the worker's network stubbed.
 */
import { defaultLogger } from '@libp2p/logger'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bytes.js'
import type { DeviceEntry } from '../../../src/identity/account-record.js'
import type { Depositor, Envelopes } from '../../../src/messenger/components.js'
import { OutboxWorker } from '../../../src/messenger/delivery/outbox-worker.js'
import { nextOutboxOrder } from '../../../src/messenger/delivery/outbox-order.js'
import { ENVELOPE_VERSION, Envelope } from '../../../src/net/envelope-codec.js'
import type { Store } from '../../../src/store/index.js'
import { waitFor } from '../../helpers/network.js'
import { device, memoryStore } from './stubs.js'

async function queue (store: Store, target: DeviceEntry, payloads: number[], createdAt: number): Promise<void> {
  for (const n of payloads) {
    const id = randomBytes(16)
    const envelope = Envelope.encode({ version: ENVELOPE_VERSION, id, recipientDevice: target.deviceKey, payload: new Uint8Array([n]), createdAt: BigInt(createdAt), expiresAt: 0n, flags: 0 })
    await store.outbox.put({ id: toHex(id), envelope, targets: [], target: { kind: 'sealed', address: 'peer', deviceKey: toHex(target.deviceKey), directOnly: false }, attempts: 0, nextAttemptAt: createdAt, createdAt, order: nextOutboxOrder(), messageId: null, lastError: null })
  }
}

describe('outbox: one device\'s entries leave in queue order', () => {
  it('twelve entries to each of two devices, same millisecond, earlier ones slower to resolve: each device gets its own in order, pipelined', async () => {
    const store = await memoryStore()
    const first = device()
    const second = device()
    const now = Date.now()
    const count = 12
    const payloads = Array.from({ length: count }, (_, i) => i)
    await queue(store, first, payloads, now)
    await queue(store, second, payloads, now)
    const sent = new Map<string, number[]>()
    let inFlight = 0
    let maxInFlight = 0
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    const envelopes = {
      send: async (to: DeviceEntry, bytes: Uint8Array) => {
        const key = toHex(to.deviceKey)
        sent.set(key, [...(sent.get(key) ?? []), Envelope.decode(bytes).payload[0]])
        maxInFlight = Math.max(maxInFlight, ++inFlight)
        // acks held until sixteen sends are in flight: a worker that waited for each ack would never get there
        if (inFlight === 16) release()
        await released
        inFlight--
      }
    } as unknown as Envelopes
    // the device's first entries resolve last
    let resolved = 0
    const worker = new OutboxWorker({
      store, envelopes, depositor: {} as unknown as Depositor, log: defaultLogger().forComponent('test:outbox'),
      resolve: async (_address, deviceHex) => {
        const delay = Math.max(0, 40 - 4 * resolved++)
        await new Promise((resolve) => setTimeout(resolve, delay))
        return { device: deviceHex === toHex(first.deviceKey) ? first : second, relays: [], fleets: [] }
      },
      pollMs: 60_000
    })
    worker.start()
    try {
      await waitFor(async () => (await store.outbox.due(2 ** 50, { limit: 50 })).items.length === 0, 30_000, 'every entry delivered')
      expect(sent.get(toHex(first.deviceKey))).toEqual(payloads)
      expect(sent.get(toHex(second.deviceKey))).toEqual(payloads)
      expect(maxInFlight).toBe(16)
    } finally {
      await worker.stop()
      await store.close()
    }
  })
})
