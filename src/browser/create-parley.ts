import { createMessenger, type Messenger } from '../messenger/messenger.js'
import type { MessengerApi } from '../messenger/types.js'
import { ParleyNode, type ParleyNodeInit } from '../node/parley-node.js'
import { openStore, type Store } from '../store/index.js'
import { parseRelays, waitForRelayReservation, type BrowserNodeInit } from './browser-node.js'
import { DEFAULT_STORAGE_NAME } from './constants.js'
import { learnRelayedDeviceAddresses } from './device-addresses.js'
import { acquireStoreLock } from './store-lock.js'

export interface CreateParleyOptions extends BrowserNodeInit {
  /** Messenger tuning (tests). */
  messenger?: { drainIntervalMs?: number, outbox?: { directTimeoutMs?: number, pollMs?: number } }
}

/**
 * A running Parley messenger in this tab. `stop()` also closes the store and releases the tab
 * lock, so another tab (or a later `createParley`) can open the same account.
 */
export interface Parley extends MessengerApi {
  /** The device under the messenger (libp2p, keys); for diagnostics and tests. */
  readonly node: ParleyNode
  /** IndexedDB name of this account's store. */
  readonly storageName: string
}

/**
 * Opens Parley in this tab and starts it: takes the store's tab lock (another tab holding it
 * gives StoreLockedError, unless `storage.waitForLock`), opens the IndexedDB store (the identity
 * is created on first load and kept), starts the device with the browser transports
 * (WebSockets to relays, circuit-relay-v2, WebRTC between browsers), uses `relays` as its
 * mailbox relays and waits (up to `relayTimeoutMs`) for a relay reservation, through which other
 * browsers reach it by WebRTC.
 *
 * @example
 * ```ts
 * import { createParley } from 'parley/browser'
 * const parley = await createParley({ relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…'] })
 * parley.addEventListener('message', (evt) => console.log(evt.detail.message.text))
 * const chat = await parley.conversationWith(await parley.addContact(inviteLink).then((c) => c.address))
 * await parley.sendText(chat.id, 'hello')
 * await parley.stop()
 * ```
 */
export async function createParley (options: CreateParleyOptions): Promise<Parley> {
  const relays = parseRelays(options.relays)
  const storageName = options.storage?.name ?? DEFAULT_STORAGE_NAME
  const lock = await acquireStoreLock(storageName, { wait: options.storage?.waitForLock, signal: options.signal })
  let store: Store | undefined
  let messenger: Messenger | undefined
  try {
    store = await openStore({ location: storageName, passphrase: options.storage?.passphrase, signal: options.signal })
    const node = await ParleyNode.open({
      ...options.node,
      store,
      create: true,
      bootstrap: relays,
      closeStoreOnStop: true,
      allowPrivateAddresses: options.allowPrivateAddresses,
      ...(options.iceServers != null ? { iceServers: options.iceServers } : {})
    } as ParleyNodeInit, { signal: options.signal })
    learnRelayedDeviceAddresses(node)
    messenger = await createMessenger({
      node,
      store,
      relays,
      allowPrivateAddresses: options.allowPrivateAddresses,
      ...(options.messenger?.drainIntervalMs != null ? { drainIntervalMs: options.messenger.drainIntervalMs } : {}),
      ...(options.messenger?.outbox != null ? { outbox: options.messenger.outbox } : {})
    })
    await messenger.start({ signal: options.signal })
    await waitForRelayReservation(node, { timeoutMs: options.relayTimeoutMs, signal: options.signal }).catch((err: unknown) => {
      if (options.signal?.aborted === true) throw err
      // offline or relays down: history and the outbox work; reachability comes when a relay answers
    })
  } catch (err) {
    if (messenger != null) await messenger.stop().catch(() => {})
    await store?.close().catch(() => {})
    lock.release()
    throw err
  }
  const running = messenger
  const messengerStop = running.stop.bind(running)
  let stopping: Promise<void> | undefined
  // the lock outlives the messenger's own stop: release it only once the store is closed
  running.stop = async () => {
    stopping ??= (async () => {
      try { await messengerStop() } finally { lock.release() }
    })()
    return stopping
  }
  running.addEventListener('wiped', () => { lock.release() }, { once: true })
  return Object.assign(running, { storageName }) as Messenger & Parley
}
