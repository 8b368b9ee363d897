import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { decodeFleetId } from '../../src/identity/fleet-record.js'
import { FleetDirectory } from '../../src/net/fleet-directory.js'
import { FleetRelays } from '../../src/net/fleet-relays.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import { loadOrCreateRelayKey, silentLogger, startRelay, type Relay } from '../../src/relay/index.js'
import { generateOperatorKey, parseMembers, readOperatorKeyFile, signFleetFile } from '../../src/relay/fleet/fleet-files.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger } from '../messenger/helpers.js'

const DAY = 86_400_000

/**
 * Issue #23 item 3: three member relays of one fleet; Alice and Bob name the fleet, not a relay.
 * The member both would use for Bob's mailbox is stopped: Alice's deposit fails over to another
 * member, and Bob, restarted, drains it there. (Members here keep their own LevelDB, so the test
 * also shows that sender and owner pick the same live member for one mailbox.)
 */
describe('a relay fleet: clients move to a live member', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const relays: Relay[] = []
  let alice: HomeMessenger | undefined
  let bob: HomeMessenger | undefined
  let fleetRef: string
  let recordFile: string

  beforeAll(async () => {
    dir = await tempDir('parley-fleet-')
    const keyFile = join(dir.path, 'operator.json')
    const operatorKey = generateOperatorKey()
    await writeFile(keyFile, operatorKey.file, { mode: 0o600 })
    const operator = await readOperatorKeyFile(keyFile)
    const dataDirs = [0, 1, 2].map((i) => join(dir.path, `member-${i}`))
    const peerIds = await Promise.all(dataDirs.map(async (d) => peerIdFromPrivateKey(await loadOrCreateRelayKey(d)).toString()))
    // ports are known only once the members listen: the first record lists placeholders, the
    // operator then signs the real addresses and replaces the file (a rotation)
    recordFile = join(dir.path, 'fleet.json')
    await writeFile(recordFile, signFleetFile(operator, parseMembers(peerIds.map((id) => `${id}=/ip4/127.0.0.1/tcp/9`)), { lifetimeMs: 30 * DAY }))
    for (const dataDir of dataDirs) {
      relays.push(await startRelay({
        dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' }, fleet: { record: recordFile }
      }, { logger: silentLogger }))
    }
    const addrs = relays.map((r) => r.multiaddrs[0].toString())
    await writeFile(recordFile, signFleetFile(operator, parseMembers(relays.map((r, i) => `${r.peerId.toString()}=${addrs[i]}`)), { lifetimeMs: 30 * DAY, previousSequence: BigInt(Date.now() + 1000) }))
    // the members know each other (a real fleet bootstraps them so), then publish the record
    for (const relay of relays) for (const addr of addrs) if (!addr.endsWith(relay.peerId.toString())) await relay.libp2p.dial(multiaddr(addr))
    for (const relay of relays) await relay.fleet!.publish({ signal: AbortSignal.timeout(20_000) })
    fleetRef = `fleet:${relays[0].fleet!.fleetId}`
    expect(relays.every((r) => r.fleet?.fleetId === operatorKey.fleetId)).toBe(true)
    // Alice is given only a fleet link: she joins the DHT through the member it names
    alice = await openHomeMessenger({
      home: join(dir.path, 'alice'), passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, listen: LOOPBACK_LISTEN, manyPeersPerAddress: true,
      relays: [`${fleetRef}@${addrs[0]}`], allowPrivateAddresses: true, outbox: { directTimeoutMs: 1500, pollMs: 200 }
    })
    await alice.start()
    for (const addr of addrs.slice(1)) await alice.node.libp2p.dial(multiaddr(addr)) // as DHT walks would, sooner
    bob = await startTestMessenger(dir.path, 'bob', [`${fleetRef}@${addrs[1]}`], { node: { bootstrap: addrs } })
  }, 120_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    for (const relay of relays) await relay.stop()
    await dir?.cleanup()
  })

  it('an account record names the fleet; a deposit and a drain fail over from a stopped member to the same live one', async () => {
    const bobRecord = await alice!.node.lookupAccount(bob!.address, { fresh: true, signal: AbortSignal.timeout(20_000) })
    expect(bobRecord.body.relays).toEqual([])
    expect(bobRecord.body.fleets.map(toHex)).toEqual([toHex(decodeFleetId(fleetRef.slice('fleet:'.length)))])
    expect(bob!.relays).toEqual([fleetRef])
    expect(alice!.relays).toEqual([fleetRef])

    // the member Bob's mailbox goes to first, for any node connected to all three (as Alice and Bob are)
    const bobDevice = bob!.node.deviceEntry().deviceKey
    const order = await new FleetRelays({ directory: new FleetDirectory(alice!.node.libp2p) }).members(fleetRef, bobDevice, { signal: AbortSignal.timeout(20_000) })
    const rank = order.map((addr) => relays.findIndex((r) => addr.endsWith(r.peerId.toString())))
    const [first, second] = [relays[rank[0]], relays[rank[1]]]
    // Bob logged in at the first (his subscription): it holds his mailbox
    await waitFor(() => first.store.isOwned(toHex(bobDevice)), 20_000, 'Bob authenticated at the first member')

    const bobHome = bob!.node
    await bob!.stop()
    bob = undefined
    await first.stop()

    const chat = await alice!.conversationWith(bobHome.address)
    const sent = await alice!.sendText(chat.id, 'through the fleet')
    await nextEvent(alice!, 'delivery', (d) => d.messageId === sent.id && d.state === 'stored', 60_000)
    expect(second.store.count(toHex(bobDevice))).toBe(1)

    bob = await startTestMessenger(dir.path, 'bob', [fleetRef], { node: { bootstrap: relays.filter((r) => r !== first).map((r) => r.multiaddrs[0].toString()) }, drainIntervalMs: 600_000 })
    // drained during start(): the message is in Bob's store
    const texts = async (): Promise<string[]> => {
      const chats = await bob!.conversations()
      return (await Promise.all(chats.items.map(async (c) => (await bob!.messages(c.id)).items.map((m) => m.text ?? '')))).flat()
    }
    await waitFor(async () => (await texts()).includes('through the fleet'), 60_000, 'Bob received the message through the live member')
    await waitFor(() => second.store.count(toHex(bobDevice)) === 0, 20_000, 'the envelope acked at the live member')
  }, 180_000)

  it('a subscriber moves to a live member when its member stops, without waiting for the periodic drain', async () => {
    const bobDevice = toHex(bob!.node.deviceEntry().deviceKey)
    const live = relays.filter((r) => r.libp2p.status === 'started')
    const serving = live.find((r) => r.store.isOwned(bobDevice))!
    const other = live.find((r) => r !== serving)!
    expect(other.store.isOwned(bobDevice)).toBe(false)
    await serving.stop()
    // Bob's periodic drain is 10 minutes away: only the renewed subscription logs in at the other member
    await waitFor(() => other.store.isOwned(bobDevice), 30_000, 'Bob subscribed at the remaining member')
  }, 60_000)
})
