import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { HISTORY_ARCHIVE_TTL_MS, LAST_ARCHIVE_KEY } from '../../src/messenger/devices/history-relay.js'
import { OWED_HISTORY_KEY } from '../../src/messenger/devices/history-sender.js'
import type { HistoryProgressView, MessageView } from '../../src/messenger/types.js'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger } from '../../src/node/messenger.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import { openHomeMessenger, type HistoryLinkProgress } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { confirmNextLink, startTestMessenger, startTestRelay } from './helpers.js'

/** Collects one messenger's history events, in the order they came. */
function recordHistory (m: HomeMessenger): { events: Array<{ type: 'progress' | 'done', detail: HistoryProgressView }>, off: () => void } {
  const events: Array<{ type: 'progress' | 'done', detail: HistoryProgressView }> = []
  const progress = (evt: CustomEvent<HistoryProgressView>): void => { events.push({ type: 'progress', detail: evt.detail }) }
  const done = (evt: CustomEvent<HistoryProgressView>): void => { events.push({ type: 'done', detail: evt.detail }) }
  m.addEventListener('history-progress', progress)
  m.addEventListener('history-done', done)
  return { events, off: () => { m.removeEventListener('history-progress', progress); m.removeEventListener('history-done', done) } }
}

/** Progress events of one transfer: more than one, `received` strictly growing up to `total`, one `history-done` last with received = total. */
function expectOrderedProgress (events: Array<{ type: 'progress' | 'done', detail: HistoryProgressView }>, expected: Pick<HistoryProgressView, 'role' | 'via' | 'total'>): void {
  expect(events.length).toBeGreaterThan(2)
  const progress = events.slice(0, -1)
  const last = events.at(-1)
  expect(progress.every((e) => e.type === 'progress')).toBe(true)
  expect(last).toMatchObject({ type: 'done', detail: { ...expected, received: expected.total } })
  for (const e of progress) expect(e.detail).toMatchObject(expected)
  const received = progress.map((e) => e.detail.received)
  for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThan(received[i - 1])
  expect(received.at(-1)).toBe(expected.total)
}

/**
 * Issue #19: a newly linked device's history as progress events on both devices (direct and
 * through the relays); history that arrives through the account's relays when, after the link,
 * the two devices are never online together; the relay archive deleted once stored, and
 * otherwise bounded by its retention. Real nodes on 127.0.0.1 with a real relay and blob store.
 */
describe('history of a new device: progress, relays only, archive deletion', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice1: HomeMessenger
  let bob: HomeMessenger
  let expected: MessageView[]
  let chatId: string
  const TOTAL = 900

  const start = async (name: string): Promise<HomeMessenger> => startTestMessenger(dir.path, name, relays, { blobs: new FileBlobs(join(dir.path, name, 'blobs')) })
  /** Opens a device of this test, not started (its events can be listened to from its start on). */
  const open = async (name: string): Promise<HomeMessenger> => {
    const node = await openHomeNode({ home: join(dir.path, name), passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
    return new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }, blobs: new FileBlobs(join(dir.path, name, 'blobs')) })
  }

  const all = async (m: HomeMessenger): Promise<MessageView[]> => {
    let out: MessageView[] = []
    for (let cursor: string | undefined, first = true; first || cursor != null; first = false) {
      const page = await m.messages(chatId, { limit: 500, cursor })
      out = [...out, ...page.items]
      cursor = page.cursor
    }
    return out
  }

  const expectSameHistory = async (m: HomeMessenger): Promise<void> => {
    const got = await all(m)
    expect(got.map((x) => [x.id, x.text, x.direction, x.status])).toEqual(expected.map((x) => [x.id, x.text, x.direction, x.status]))
  }

  /** Links `name` to alice1 asking for all history `via`; resolves once linked (not started), with the new device's progress calls. */
  const link = async (name: string, via: 'direct' | 'relay'): Promise<{ messenger: HomeMessenger, calls: HistoryLinkProgress[] }> => {
    const confirmed = confirmNextLink(alice1)
    const calls: HistoryLinkProgress[] = []
    const messenger = await openHomeMessenger({
      home: join(dir.path, name), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: await alice1.createDeviceLink(),
      listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 },
      blobs: new FileBlobs(join(dir.path, name, 'blobs')),
      history: { kind: 'all' },
      historyVia: via,
      onHistoryProgress: (p) => { calls.push(p) }
    })
    await confirmed
    return { messenger, calls }
  }

  beforeAll(async () => {
    dir = await tempDir('parley-history-progress-')
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
      // ~600 bytes each: the archive spans several frames
      content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: `seeded ${i} ${'x'.repeat(600)}`, reactions: {}, forwardable: true }))
    })))
    expected = await all(alice1)
    expect(expected).toHaveLength(TOTAL)
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice1, bob]) await m?.stop().catch(() => {})
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a direct transfer: both devices see progress in order, monotone, ending at the total; nothing stays owed', async () => {
    const sent = recordHistory(alice1)
    const done = alice1.next('history-done', { signal: AbortSignal.timeout(90_000) })
    const { messenger: alice2, calls } = await link('alice2', 'direct')
    try {
      await done
      sent.off()
      // the new device (during `openHomeMessenger`): per frame stored, then done
      const during = calls.filter((c) => !c.done)
      expect(during.length).toBeGreaterThan(2)
      for (let i = 1; i < during.length; i++) expect(during[i].received).toBeGreaterThan(during[i - 1].received)
      expect(during.every((c) => c.total === TOTAL && c.via === 'direct')).toBe(true)
      expect(during.at(-1)?.received).toBe(TOTAL)
      expect(calls.at(-1)).toEqual({ received: TOTAL, total: TOTAL, done: true, via: 'direct' })
      // the existing device: messages acknowledged as stored
      expectOrderedProgress(sent.events, { role: 'sending', via: 'direct', total: TOTAL })
      expect(await alice1.store.settings.get(OWED_HISTORY_KEY)).toEqual({})
      await alice2.start()
      await expectSameHistory(alice2)
    } finally {
      await alice2.stop()
    }
  }, 180_000)

  it('relays only, never online together: the existing device stops right after the confirmation, seals the archive at its next start; the new device fetches it alone, and the relay no longer holds it', async () => {
    // the existing device goes away as soon as it begins to seal the archive, before anything reached the relays
    const stopped = new Promise<void>((resolve, reject) => {
      alice1.addEventListener('history-progress', () => { alice1.stop().then(resolve, reject) }, { once: true })
    })
    const { messenger: alice3, calls } = await link('alice3', 'relay')
    // nothing came on the link stream: the new device is told it comes through the relays
    expect(calls).toEqual([{ received: 0, total: 0, done: false, via: 'relay' }])
    await stopped
    let alice1Running = false
    expect(relay.blobStore.blobCount).toBe(0)
    try {
      // what it owes was kept; alone, at its start it seals the history for the relays and announces it to the new device's mailbox
      alice1 = await open('alice1')
      expect(Object.keys(await alice1.store.settings.get(OWED_HISTORY_KEY) as Record<string, unknown>)).toHaveLength(1)
      const sent = recordHistory(alice1)
      const sealed = alice1.next('history-done', { signal: AbortSignal.timeout(120_000) })
      await alice1.start()
      alice1Running = true
      await sealed
      sent.off()
      expectOrderedProgress(sent.events, { role: 'sending', via: 'relay', total: TOTAL })
      expect(await alice1.store.settings.get(OWED_HISTORY_KEY)).toEqual({})
      await waitFor(async () => (await alice1.status()).outbox === 0, 90_000, 'the archive announced to the new device')
      await alice1.stop()
      alice1Running = false
      // the relay holds the archive, within its retention
      expect(relay.blobStore.blobCount).toBe(1)
      expect(await relay.blobStore.deleteExpired(Date.now() + HISTORY_ARCHIVE_TTL_MS - 3_600_000)).toBe(0)
      expect(relay.blobStore.blobCount).toBe(1)

      // the new device alone: the archive from the relay, progress in order, then deleted there
      const received = recordHistory(alice3)
      const arrived = alice3.next('history-done', { signal: AbortSignal.timeout(120_000) })
      await alice3.start()
      const last = await arrived
      received.off()
      expectOrderedProgress(received.events, { role: 'receiving', via: 'relay', total: TOTAL })
      expect(last.device).toBe((await alice3.devices()).find((d) => !d.thisDevice)?.id)
      await expectSameHistory(alice3)
      expect(await alice3.store.settings.get(LAST_ARCHIVE_KEY)).toMatchObject({ messages: TOTAL })
      await waitFor(() => relay.blobStore.blobCount === 0, 60_000, 'the relay to drop the stored archive')
    } finally {
      await alice3.stop()
      if (!alice1Running) alice1 = await start('alice1')
    }
  }, 300_000)

  it('an archive no new device fetches expires at the relay, and the device that sealed it keeps no copy: not kept for ever', async () => {
    // the new device links asking for the relays and never runs; the existing device stays online
    const before = relay.blobStore.blobCount
    const sent = alice1.next('history-done', { filter: (d) => d.via === 'relay', signal: AbortSignal.timeout(120_000) })
    const { messenger: alice4 } = await link('alice4', 'relay')
    try {
      await sent
      const held = relay.blobStore.blobCount
      expect(held).toBe(before + 1)
      expect(await relay.blobStore.deleteExpired(Date.now() + HISTORY_ARCHIVE_TTL_MS - 3_600_000)).toBe(0)
      expect(await relay.blobStore.deleteExpired(Date.now() + HISTORY_ARCHIVE_TTL_MS + 60_000)).toBe(held)
      expect(relay.blobStore.blobCount).toBe(0)
      // and the existing device kept no copy of the archives the relay took
      expect(await readdir(join(dir.path, 'alice1', 'blobs')).catch(() => [])).toEqual([])
    } finally {
      await alice4.stop()
    }
  }, 180_000)
})
