/**
 * Devices suite (issue #19): history transfer of 10,000 messages to a newly linked device,
 * directly (link confirmed, archive streamed, every frame stored), and the sync fan-out latency
 * of a sent message to the sender's second device; then the relay path: a third device whose
 * direct transfer breaks off at once gets the archive from the relay after the existing device
 * went offline (sealed, deposited, fetched, every frame stored).
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { join } from 'node:path'
import { toHex } from '../../src/bytes.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import { FileBlobs } from '../../src/node/blob-files.js'
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
  const alice = await startTestMessenger(dir.path, 'alice', relays, { blobs: new FileBlobs(join(dir.path, 'alice', 'blobs')) })
  const bob = await startTestMessenger(dir.path, 'bob', relays)
  let laptop: Messenger | undefined
  let tablet: Messenger | undefined
  let aliceStopped = false
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

    // the relay path: the new device drops the direct transfer after its first frame; alice
    // leaves the rest at the relay and goes offline before the new device comes up
    const confirmedTablet = confirmNextLink(alice)
    const announced = alice.next('devices-changed', { filter: (d) => d.reason === 'history', signal: AbortSignal.timeout(300_000) })
    let direct = 0
    const leftAt = performance.now()
    tablet = await openHomeMessenger({
      home: join(dir.path, 'tablet'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: await alice.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 },
      history: { kind: 'all' },
      onHistoryProgress: (p) => { if (p.error == null && !p.done) { direct = p.received; throw new Error('the new device goes away') } }
    })
    await confirmedTablet
    await announced
    const deposited = performance.now()
    while ((await alice.status()).outbox > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    await alice.stop()
    aliceStopped = true
    const fetched = tablet.next('devices-changed', { filter: (d) => d.reason === 'history', signal: AbortSignal.timeout(300_000) })
    const fetchStart = performance.now()
    await tablet.start()
    await fetched
    const fetchEnd = performance.now()
    const rest = HISTORY - direct
    record({ suite: SUITE, name: 'history through a relay: archive of the rest sealed and deposited (existing device)', value: rest / ((deposited - leftAt) / 1000), unit: 'msg/s' })
    record({ suite: SUITE, name: 'history through a relay: fetched from the relay and stored (new device, existing one offline)', value: rest / ((fetchEnd - fetchStart) / 1000), unit: 'msg/s' })
  } finally {
    await laptop?.stop()
    await tablet?.stop()
    if (!aliceStopped) await alice.stop()
    await bob.stop()
    await relay.stop()
    await dir.cleanup()
  }
}
