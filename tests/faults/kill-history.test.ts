/**
 * SIGKILL of a new device half-way through its 1,000-message history transfer (issue #19: "a
 * transfer interrupted halfway (SIGKILL of the new device) resumes without starting over").
 * The new device links in a process of its own (tests/faults/link-entry.ts) and is killed once
 * it stored half of the history; the existing device leaves the rest, only the rest, at the
 * account's relay; the killed device's store opens again and ends with the whole history, each
 * message once. And the existing device SIGKILLed mid-transfer: what it owed was written before
 * the link answer, so, alone at its next start, it leaves the history at the relay for the new
 * device, also alone. Real nodes on 127.0.0.1, a real relay and blob store.
 */
import { join } from 'node:path'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { LAST_ARCHIVE_KEY } from '../../src/messenger/devices/history-relay.js'
import type { MessageView } from '../../src/messenger/types.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger } from '../../src/node/messenger.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { killGroup, spawnScript, type ScriptProcess } from '../helpers/processes.js'
import { confirmNextLink, startTestMessenger, startTestRelay } from '../messenger/helpers.js'

const TOTAL = 1000

describe('fault injection: a new device killed during its history transfer', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice1: HomeMessenger
  let bob: HomeMessenger
  let child: ScriptProcess | undefined
  let chatId: string
  let expected: MessageView[]

  /** Opens a device of this test on its home, not started. */
  const openMessenger = async (home: string): Promise<HomeMessenger> => {
    const node = await openHomeNode({ home, passphrase: PASSPHRASE, kdf: TEST_KDF, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true, bootstrap: relays })
    return new HomeMessenger({ node, store: node.store, relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }, blobs: new FileBlobs(join(home, 'blobs')) })
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

  beforeAll(async () => {
    dir = await tempDir('parley-faults-history-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice1 = await startTestMessenger(dir.path, 'alice1', relays, { blobs: new FileBlobs(join(dir.path, 'alice1', 'blobs')) })
    bob = await startTestMessenger(dir.path, 'bob', relays)
    const chat = await alice1.conversationWith(bob.address)
    chatId = chat.id
    const base = Date.now() - 86_400_000
    await alice1.store.messages.putMany(Array.from({ length: TOTAL }, (_, i) => ({
      conversationId: chat.id, id: toHex(randomBytes(16)), clock: 10 + i, senderTimestamp: base + i, direction: i % 2 === 0 ? 'out' as const : 'in' as const,
      sender: i % 2 === 0 ? alice1.address : bob.address, status: i % 2 === 0 ? 'read' as const : 'received' as const, expiresAt: null,
      // ~2 KB each: some 70 frames, more than the 32 the existing device sends ahead of the acks
      content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text: `seeded ${i} ${'y'.repeat(2000)}`, reactions: {}, forwardable: true }))
    })))
    expected = await all(alice1)
    expect(expected).toHaveLength(TOTAL)
  }, 120_000)

  afterAll(async () => {
    if (child != null) await killGroup(child.child)
    for (const m of [alice1, bob]) await m?.stop().catch(() => {})
    await relay?.stop()
    await dir?.cleanup()
  })

  it('killed after storing half: the rest comes through the relay, not the whole again, and the store ends with every message once', async () => {
    const home = join(dir.path, 'alice2')
    const confirmed = confirmNextLink(alice1)
    const sealed = alice1.next('history-done', { filter: (d) => d.via === 'relay', signal: AbortSignal.timeout(180_000) })
    child = spawnScript('tests/faults/link-entry.ts', ['--home', home, '--code', await alice1.createDeviceLink(), '--relay', relays[0], '--stall-at', String(TOTAL / 2)])
    const stalled = JSON.parse(await child.waitForLine((l) => l.includes('"event":"stalled"'), 120_000)) as { received: number }
    await killGroup(child.child)
    expect(child.lines.some((l) => l.includes('"event":"linked"')), 'killed before the transfer finished').toBe(false)
    await confirmed
    expect(stalled.received).toBeGreaterThanOrEqual(TOTAL / 2)
    expect(stalled.received).toBeLessThan(TOTAL)

    // the existing device sealed only what the killed device had not acknowledged
    const archive = await sealed
    expect(archive.total).toBeGreaterThanOrEqual(TOTAL - stalled.received)
    expect(archive.total).toBeLessThan(TOTAL - TOTAL / 2 + 100)
    expect(archive.received).toBe(archive.total)

    // the killed device's store opens again, holding what it stored before the kill
    const alice2 = await openHomeMessenger({
      home, passphrase: 'process test passphrase', kdf: { N: 1024, r: 8, p: 1 }, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true,
      relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }
    })
    try {
      expect((await all(alice2)).length).toBeGreaterThanOrEqual(stalled.received)
      const done = alice2.next('history-done', { signal: AbortSignal.timeout(180_000) })
      await alice2.start()
      const arrived = await done
      expect(arrived).toMatchObject({ role: 'receiving', via: 'relay', received: archive.total, total: archive.total })
      const got = await all(alice2)
      expect(got.map((x) => [x.id, x.text, x.direction, x.status])).toEqual(expected.map((x) => [x.id, x.text, x.direction, x.status]))
      // resumed: the archive held the rest only
      expect(await alice2.store.settings.get(LAST_ARCHIVE_KEY)).toMatchObject({ messages: archive.total })
    } finally {
      await alice2.stop()
    }
  }, 400_000)

  it('the existing device SIGKILLed mid-transfer: what it owed was kept; alone at its next start it leaves the history at the relay, and the new device, alone, gets all of it once', async () => {
    // alice1 in a process of its own, on its home
    await alice1.stop()
    const home1 = join(dir.path, 'alice1')
    child = spawnScript('tests/faults/link-existing-entry.ts', ['--home', home1, '--relay', relays[0]])
    const { code } = JSON.parse(await child.waitForLine((l) => l.includes('"event":"code"'), 120_000)) as { code: string }
    const calls: Array<{ received: number, done: boolean, error?: Error }> = []
    const linking = openHomeMessenger({
      home: join(dir.path, 'alice3'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, linkCode: code, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true,
      relays, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }, history: { kind: 'all' },
      onHistoryProgress: (p) => { calls.push(p) }
    })
    await child.waitForLine((l) => l.includes('"event":"stalled"'), 120_000)
    await killGroup(child.child)
    // linked, with part of the history; the rest never came on the link stream
    const alice3 = await linking
    expect(calls.at(-1)?.error).toMatchObject({ code: 'ERR_HISTORY_INCOMPLETE' })
    const before = calls.filter((c) => !c.done).at(-1)?.received ?? 0
    expect(before).toBeLessThan(TOTAL)
    try {
      // the existing device alone (the new one not started): at its start it seals what it owed
      alice1 = await openMessenger(home1)
      const sealed = alice1.next('history-done', { filter: (d) => d.via === 'relay', signal: AbortSignal.timeout(180_000) })
      await alice1.start()
      const archive = await sealed
      expect(archive.total).toBe(TOTAL)
      await waitFor(async () => (await alice1.status()).outbox === 0, 90_000, 'the archive announced to the new device')
      await alice1.stop()
      // the new device alone: every message once, in order
      const done = alice3.next('history-done', { signal: AbortSignal.timeout(180_000) })
      await alice3.start()
      await done
      const got = await all(alice3)
      expect(got.map((x) => [x.id, x.text, x.direction, x.status])).toEqual(expected.map((x) => [x.id, x.text, x.direction, x.status]))
    } finally {
      await alice3.stop()
    }
  }, 400_000)
})
