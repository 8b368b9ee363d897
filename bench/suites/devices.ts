/**
 * Devices suite (issue #19): history transfer of 10,000 messages to a newly linked device,
 * directly (link confirmed, archive streamed, every frame stored), and the sync fan-out latency
 * of a sent message to the sender's second device. (The relay path of history transfer waits
 * for the attachments blob store: no figure yet.)
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { join } from 'node:path'
import { toHex } from '../../src/bytes.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../../tests/helpers/network.js'
import { confirmNextLink, startTestMessenger, startTestRelay } from '../../tests/messenger/helpers.js'
import { record } from '../results.js'

const SUITE = 'devices'
const HISTORY = 10_000
const FANOUT = 50

export async function run (): Promise<void> {
  const dir = await tempDir('parley-bench-devices-')
  const relay = await startTestRelay(join(dir.path, 'relay'))
  const relays = [relay.multiaddrs[0].toString()]
  const alice = await startTestMessenger(dir.path, 'alice', relays)
  const bob = await startTestMessenger(dir.path, 'bob', relays)
  let laptop: Messenger | undefined
  try {
    const chat = await alice.conversationWith(bob.address)
    const base = Date.now() - 86_400_000
    for (let at = 0; at < HISTORY; at += 500) {
      await alice.store.messages.putMany(Array.from({ length: 500 }, (_, j) => ({
        id: toHex(randomBytes(16)), conversationId: chat.id, clock: at + j + 1, senderTimestamp: base + at + j, direction: 'out' as const,
        sender: alice.address, status: 'read' as const, expiresAt: null,
        content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: `history ${at + j} ${'x'.repeat(100)}`, reactions: {}, forwardable: true }))
      })))
    }
    let firstFrameAt = 0
    let received = 0
    const confirmed = confirmNextLink(alice)
    const start = performance.now()
    laptop = await openHomeMessenger({
      home: join(dir.path, 'laptop'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: await alice.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 },
      history: { kind: 'all' },
      onHistoryProgress: (p) => { if (firstFrameAt === 0) firstFrameAt = performance.now(); received = p.received }
    })
    const end = performance.now()
    await confirmed
    if (received < HISTORY) throw new Error(`only ${received} of ${HISTORY} history messages arrived`)
    record({ suite: SUITE, name: 'history transfer to a new device, direct (10,000 messages: seal, stream, store)', value: received / ((end - firstFrameAt) / 1000), unit: 'msg/s' })
    record({ suite: SUITE, name: 'link + history of 10,000 messages, direct (confirmed link to last frame stored)', value: end - start, unit: 'ms' })

    await laptop.start()
    // alice's own record lists the laptop: each sent text is copied to it
    const samples: number[] = []
    for (let i = 0; i < FANOUT; i++) {
      const text = `fan-out ${i}`
      const arrived = laptop.next('message', { filter: (d) => d.message.text === text, signal: AbortSignal.timeout(30_000) })
      const sentAt = performance.now()
      await alice.sendText(chat.id, text)
      await arrived
      samples.push(performance.now() - sentAt)
    }
    samples.sort((a, b) => a - b)
    record({ suite: SUITE, name: 'sync fan-out: sent text on the second own device (p50)', value: samples[Math.floor(samples.length / 2)], unit: 'ms' })
    record({ suite: SUITE, name: 'sync fan-out: sent text on the second own device (p90)', value: samples[Math.floor(samples.length * 0.9)], unit: 'ms' })
  } finally {
    await laptop?.stop()
    await alice.stop()
    await bob.stop()
    await relay.stop()
    await dir.cleanup()
  }
}
