import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { LAST_ARCHIVE_KEY } from '../../src/messenger/devices/history-relay.js'
import type { MessageView } from '../../src/messenger/types.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { confirmNextLink, startTestMessenger, startTestRelay } from './helpers.js'

/** Where a history transfer is broken off: the new device drops the link stream after storing this many messages. */
class Interrupted extends Error {}

/**
 * Issue #19: a history transfer interrupted mid-way (the new device goes away) resumes through
 * the account's relays from the last frame the new device stored, not from the start; and it
 * arrives even when the two devices are never online together after the link.
 */
describe('history transfer: resume after an interruption, through the relays', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice1: HomeMessenger
  let bob: HomeMessenger
  let expected: MessageView[]
  let chatId: string
  const TOTAL = 1200

  const start = async (name: string): Promise<HomeMessenger> => startTestMessenger(dir.path, name, relays, { blobs: new FileBlobs(join(dir.path, name, 'blobs')) })

  const all = async (m: HomeMessenger): Promise<MessageView[]> => {
    let out: MessageView[] = []
    for (let cursor: string | undefined, first = true; first || cursor != null; first = false) {
      const page = await m.messages(chatId, { limit: 500, cursor })
      out = [...out, ...page.items]
      cursor = page.cursor
    }
    return out
  }

  /** Links a device asking for all history; the new device drops the transfer once it stored `breakAfter` messages or more. */
  const linkBroken = async (name: string, breakAfter: number): Promise<{ messenger: HomeMessenger, stored: number }> => {
    const confirmed = confirmNextLink(alice1)
    let stored = 0
    let error: Error | undefined
    const messenger = await openHomeMessenger({
      home: join(dir.path, name), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: await alice1.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 },
      history: { kind: 'all' },
      onHistoryProgress: (p) => {
        if (p.error != null) { error = p.error; return }
        if (p.done) return
        stored = p.received
        if (p.received >= breakAfter) throw new Interrupted('the new device goes away')
      }
    })
    await confirmed
    expect(error).toMatchObject({ code: 'ERR_HISTORY_INCOMPLETE' })
    expect(stored).toBeGreaterThanOrEqual(breakAfter)
    expect(stored).toBeLessThan(TOTAL)
    return { messenger, stored }
  }

  beforeAll(async () => {
    dir = await tempDir('parley-history-resume-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice1 = await start('alice1')
    bob = await start('bob')
    const chat = await alice1.conversationWith(bob.address)
    chatId = chat.id
    const base = Date.now() - 86_400_000
    await alice1.store.messages.putMany(Array.from({ length: TOTAL }, (_, i) => ({
      conversationId: chat.id, id: toHex(randomBytes(16)), clock: 10 + i, senderTimestamp: base + i, direction: i % 2 === 0 ? 'out' as const : 'in' as const,
      sender: i % 2 === 0 ? alice1.address : bob.address, status: i % 2 === 0 ? 'read' as const : 'received' as const, expiresAt: null,
      content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: `seeded ${i}`, reactions: {}, forwardable: true }))
    })))
    expected = await all(alice1)
    expect(expected).toHaveLength(TOTAL)
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice1, bob]) await m?.stop().catch(() => {})
    await relay?.stop()
    await dir?.cleanup()
  })

  const expectSameHistory = async (m: HomeMessenger): Promise<void> => {
    const got = await all(m)
    expect(new Set(got.map((x) => x.id)).size).toBe(got.length)
    expect(got.map((x) => [x.id, x.text, x.direction, x.status])).toEqual(expected.map((x) => [x.id, x.text, x.direction, x.status]))
  }

  it('a transfer broken off half-way resumes after the last frame the new device stored, without duplicates', async () => {
    const { messenger: alice2, stored } = await linkBroken('alice2', TOTAL / 2)
    try {
      const arrived = alice2.next('devices-changed', { filter: (d) => d.reason === 'history', signal: AbortSignal.timeout(90_000) })
      await alice2.start()
      await arrived
      await expectSameHistory(alice2)
      // the archive held the rest only: not started over
      expect(await alice2.store.settings.get(LAST_ARCHIVE_KEY)).toMatchObject({ messages: TOTAL - stored })
    } finally {
      await alice2.stop()
    }
  }, 180_000)

  it('history arrives through the relays when, after the link, the two devices are never online together', async () => {
    const announced = alice1.next('devices-changed', { filter: (d) => d.reason === 'history', signal: AbortSignal.timeout(90_000) })
    const { messenger: alice3, stored } = await linkBroken('alice3', 1)
    // alice1 leaves the rest at the relay (the archive, and its key in alice3's mailbox), then goes offline
    await announced
    await waitFor(async () => (await alice1.status()).outbox === 0, 90_000, 'the archive announced')
    await alice1.stop()
    try {
      const arrived = alice3.next('devices-changed', { filter: (d) => d.reason === 'history', signal: AbortSignal.timeout(90_000) })
      await alice3.start()
      await arrived
      await expectSameHistory(alice3)
      expect(await alice3.store.settings.get(LAST_ARCHIVE_KEY)).toMatchObject({ messages: TOTAL - stored })
    } finally {
      await alice3.stop()
      alice1 = await start('alice1')
    }
  }, 180_000)
})
