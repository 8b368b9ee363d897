import { ErrorCode, hasCode } from '../errors.js'
import type { Messenger } from '../messenger/messenger.js'
import { openDevice, settleReachability, type BrowserNodeInit } from './browser-node.js'
import { ownParley, type Parley } from './owned-parley.js'

export type { Parley }

export interface CreateParleyOptions extends BrowserNodeInit {
  /** Messenger tuning (tests); `now` is the clock (ms since epoch) the messenger reads. */
  messenger?: { drainIntervalMs?: number, outbox?: { directTimeoutMs?: number, pollMs?: number }, now?: () => number }
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
  // the messenger's code is in the lazy chunk of the browser bundle (docs/BROWSER.md, "Bundle
  // size"): it loads while the store and the node open
  const [opened, loaded] = await Promise.allSettled([openDevice(options), import('./messenger.js')])
  if (opened.status === 'rejected') throw opened.reason
  const device = opened.value
  const { node, store, relays, lock } = device
  let messenger: Messenger | undefined
  // attachments: ciphertext pieces in an IndexedDB database of this account's own
  const blobs = loaded.status === 'fulfilled' ? new loaded.value.IdbBlobs(device.storageName) : undefined
  try {
    if (loaded.status === 'rejected') throw loaded.reason
    messenger = await loaded.value.createMessenger({
      node,
      store,
      relays,
      allowPrivateAddresses: options.allowPrivateAddresses,
      blobs,
      ...(options.messenger?.drainIntervalMs != null ? { drainIntervalMs: options.messenger.drainIntervalMs } : {}),
      ...(options.messenger?.outbox != null ? { outbox: options.messenger.outbox } : {}),
      ...(options.messenger?.now != null ? { now: options.messenger.now } : {})
    })
    await messenger.start({ signal: options.signal })
    // no relay connected (down, or offline): no reservation can come, and reachability() says why
    if (messenger.reachability().relays.some((r) => r.connected)) await settleReachability(node, options)
  } catch (err) {
    await messenger?.stop().catch((stopErr: unknown) => { node.libp2p.logger.forComponent('parley:browser').error('could not stop the messenger of a failed start - %e', stopErr) })
    // an account that expired while away was wiped at start: its files go with it
    const gone = hasCode(err, ErrorCode.ACCOUNT_EXPIRED) || hasCode(err, ErrorCode.DEVICE_UNLINKED)
    await (gone ? blobs?.wipe() : blobs?.close())?.catch((closeErr: unknown) => { node.libp2p.logger.forComponent('parley:browser').error('could not close the blob database of a failed start - %e', closeErr) })
    await device.abandon()
    throw err
  }
  // the messenger leaves the node to its owner: the Parley returned, which stops it after the messenger
  return ownParley({ messenger, node, store, lock, storageName: device.storageName, blobs })
}
