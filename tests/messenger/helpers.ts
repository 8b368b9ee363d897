import { join } from 'node:path'
import { openHomeNode } from '../../src/node/home.js'
import { HomeMessenger, type MessengerInit } from '../../src/node/messenger.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import type { ParleyNodeInit } from '../../src/node/parley-node.js'
import { startRelay, silentLogger, type Relay } from '../../src/relay/index.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF } from '../helpers/network.js'

/** A relay on 127.0.0.1 (DHT server, circuit relay, mailboxes) for messenger tests. */
export async function startTestRelay (dataDir: string): Promise<Relay> {
  return startRelay({
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    log: { level: 'silent' }
  }, { logger: silentLogger })
}

/** Opens a messenger in `dir/name` using `relay` as bootstrap and mailbox relay; started. It owns its node: `stop()` stops both. */
export async function startTestMessenger (dir: string, name: string, relays: string[], options: Partial<Omit<MessengerInit, 'node'>> & { node?: Partial<Omit<ParleyNodeInit, 'store'>> } = {}): Promise<HomeMessenger> {
  const { node: nodeInit, ...init } = options
  const node = await openHomeNode({
    home: join(dir, name),
    passphrase: PASSPHRASE,
    create: true,
    kdf: TEST_KDF,
    listen: LOOPBACK_LISTEN,
    manyPeersPerAddress: true,
    bootstrap: relays,
    ...nodeInit
  })
  const messenger = new HomeMessenger({
    node,
    store: node.store,
    relays,
    allowPrivateAddresses: true,
    outbox: { directTimeoutMs: 1500, pollMs: 200 },
    ...init
  })
  await messenger.start()
  return messenger
}

/**
 * Republishes every messenger's account record, a few at a time. A record published while the
 * network had fewer than k = 20 DHT servers sits on the nodes there were then, which are not
 * the 20 closest to its key once dozens more have joined: lookups of the first nodes' accounts
 * then fail (`ERR_ACCOUNT_NOT_FOUND`) until the hourly republish. Tests and benches that start
 * more than ~15 nodes one after the other call this once all are up.
 */
export async function republishAll (messengers: Array<{ node: { publishAccountRecord: (options?: { signal?: AbortSignal }) => Promise<void> } }>, concurrency = 6): Promise<void> {
  for (let i = 0; i < messengers.length; i += concurrency) {
    await Promise.all(messengers.slice(i, i + concurrency).map(async (m) => { await m.node.publishAccountRecord({ signal: AbortSignal.timeout(120_000) }) }))
  }
}

export { nextEvent } from './next-event.js'

/**
 * Confirms the next link request on `existing` (what its user does after comparing the short
 * authentication string); resolves with the string it confirmed.
 */
export async function confirmNextLink (existing: Messenger): Promise<string> {
  const request = await existing.next('device-link-request', { signal: AbortSignal.timeout(60_000) })
  await existing.confirmDeviceLink(request.id, true)
  return request.sas
}
