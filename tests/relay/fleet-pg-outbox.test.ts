/**
 * Issue #23, "PostgreSQL restarted under load … senders' outboxes retry and deliver": two
 * messengers that listen nowhere, so every message goes through the relay's mailbox, on a relay
 * whose mailboxes are in PostgreSQL. A message sent while the database is down waits in the
 * sender's outbox (queued, the reason ERR_STORE_UNAVAILABLE) and is delivered once it is back,
 * without restarting anything.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HomeMessenger } from '../../src/node/messenger.js'
import { startRelay, silentLogger, type Relay } from '../../src/relay/index.js'
import { tempDir } from '../helpers/network.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { nextEvent, startTestMessenger } from '../messenger/helpers.js'

describe('a sender\'s outbox while the relay\'s PostgreSQL restarts', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pg: TestPostgres
  let relay: Relay
  let alice: HomeMessenger
  let bob: HomeMessenger

  beforeAll(async () => {
    dir = await tempDir('parley-pg-outbox-')
    pg = await startPostgres()
    relay = await startRelay({
      dataDir: join(dir.path, 'relay'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' },
      store: { postgres: await freshDatabase(pg) }
    }, { logger: silentLogger })
    const address = relay.multiaddrs[0].toString()
    alice = await startTestMessenger(dir.path, 'alice', [address], { node: { listen: [] } })
    bob = await startTestMessenger(dir.path, 'bob', [address], { node: { listen: [] } })
  })

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await pg?.destroy()
    await dir?.cleanup()
  })

  it('keeps the message queued with ERR_STORE_UNAVAILABLE while the database is down and delivers it once it is back', { timeout: 180_000 }, async () => {
    const conversation = await alice.conversationWith(bob.address)
    const first = nextEvent(bob, 'message', (d) => d.message.text === 'MARKER-before', 60_000)
    await alice.sendText(conversation.id, 'MARKER-before')
    await first

    let down = true
    await pg.stop()
    try {
      const waiting = nextEvent(alice, 'delivery', (d) => d.state === 'queued' && d.reason === 'ERR_STORE_UNAVAILABLE', 60_000)
      const sent = await alice.sendText(conversation.id, 'MARKER-during')
      expect((await waiting).messageId).toBe(sent.id)
      expect((await alice.status()).outbox).toBeGreaterThanOrEqual(1)
      const received = nextEvent(bob, 'message', (d) => d.message.text === 'MARKER-during', 120_000)
      await pg.start()
      down = false
      // the outbox's next try deposits it; bob gets it (pushed, or at his next drain)
      expect((await received).message.sender).toBe(alice.address)
    } finally {
      if (down) await pg.start()
    }
  })
})
