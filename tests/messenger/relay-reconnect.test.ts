/**
 * Issue #17: a device whose relay goes away (restarted on the same port) re-dials it with backoff,
 * says why it is unreachable meanwhile, and once the relay is back receives pushed mail at once —
 * not at its periodic mailbox drain (set to 10 minutes here, beyond the test's deadlines).
 * Both devices listen nowhere, so every message goes through the relay's mailbox.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HomeMessenger } from '../../src/node/messenger.js'
import { startRelay, silentLogger, type Relay } from '../../src/relay/index.js'
import { tempDir } from '../helpers/network.js'
import { nextEvent, startTestMessenger } from './helpers.js'

const DRAIN_MS = 600_000

describe('a device whose relay restarts', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay | undefined
  let alice: HomeMessenger
  let bob: HomeMessenger
  let port: number

  const startOn = async (listenPort: number): Promise<Relay> => startRelay({
    dataDir: join(dir.path, 'relay'), listen: [`/ip4/127.0.0.1/tcp/${listenPort}`], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' }
  }, { logger: silentLogger })

  beforeAll(async () => {
    dir = await tempDir('parley-relay-reconnect-')
    relay = await startOn(0)
    const address = relay.multiaddrs[0].toString()
    port = Number(address.match(/\/tcp\/(\d+)\//)?.[1])
    alice = await startTestMessenger(dir.path, 'alice', [address], { drainIntervalMs: DRAIN_MS, node: { listen: [] } })
    bob = await startTestMessenger(dir.path, 'bob', [address], { drainIntervalMs: DRAIN_MS, node: { listen: [] } })
  })

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('re-dials it, shows why it is unreachable meanwhile, and receives pushed mail once it is back', { timeout: 120_000 }, async () => {
    const conversation = await alice.conversationWith(bob.address)
    const first = nextEvent(bob, 'message', (d) => d.message.text === 'MARKER-before', 30_000)
    const delivered = nextEvent(alice, 'delivery', (d) => d.state === 'delivered', 30_000)
    const before = await alice.sendText(conversation.id, 'MARKER-before')
    await first
    // bob's receipt reached alice: bob has nothing left to send (an outbox retry would dial the relay by the way)
    expect((await delivered).messageId).toBe(before.id)
    expect((await bob.status()).outbox).toBe(0)
    expect(bob.reachability().relays[0].connected).toBe(true)

    // the relay goes away: bob re-dials it, and his status says why it is unreachable; it stays
    // away for three failed re-dials (the mailbox's own renewal 1 s after its stream ended has
    // failed by then, so only the re-dial brings the push subscription back)
    const failed = nextEvent(bob, 'reachability', (d) => (d.reachability.relays[0]?.redials ?? 0) >= 3, 60_000)
    await relay?.stop()
    relay = undefined
    const down = (await failed).reachability
    expect(down.relays[0].connected).toBe(false)
    expect(down.relays[0].error).toBeTruthy()
    expect(down.reasons.join('\n')).toMatch(/^relay unreachable: (?!not connected).+, re-dialled 3 times so far$/m)

    // back on the same port (same identity, same mailboxes): bob is connected again without a restart
    const back = nextEvent(bob, 'reachability', (d) => d.reachability.relays[0]?.connected === true, 60_000)
    relay = await startOn(port)
    await back
    // alice's message is pushed to bob (the periodic drain is 10 minutes away)
    const pushed = nextEvent(bob, 'message', (d) => d.message.text === 'MARKER-after', 45_000)
    await alice.sendText(conversation.id, 'MARKER-after')
    expect((await pushed).message.sender).toBe(alice.address)
  })
})
