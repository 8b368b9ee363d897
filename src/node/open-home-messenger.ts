import type { AbortOptions } from '@libp2p/interface'
import type { HistoryScope } from '../messenger/devices/history-archive.js'
import { isFleetRef, parseFleetRef } from '../net/fleet-relays.js'
import type { ScryptParams, Store } from '../store/index.js'
import { openHomeNode, openHomeStore } from './home.js'
import { join } from 'node:path'
import { FileBlobs } from './blob-files.js'
import { InvalidArgumentError } from '../messenger/errors.js'
import { HomeMessenger, type MessengerInit } from './messenger.js'
import type { ParleyNodeInit } from './parley-node.js'
import { linkNewDevice, type HistoryLinkProgress } from './link-new-device.js'

export { DEFAULT_HISTORY_DAYS, type HistoryLinkProgress } from './link-new-device.js'

export interface OpenHomeMessengerInit extends Omit<ParleyNodeInit, 'store' | 'closeStoreOnStop'>, Omit<MessengerInit, 'node' | 'store'> {
  home: string
  passphrase: string
  kdf?: ScryptParams
  /** Join an existing account as a new device (a code from `createDeviceLink()` on one of its devices). */
  linkCode?: string
  /** With `linkCode`: called with the short authentication string to show while the existing device's user confirms. */
  onLinkSas?: (sas: string) => void
  /** With `linkCode`: which history to ask the existing device for. @default { kind: 'days', days: 30 } */
  history?: HistoryScope
  /**
   * With `linkCode`: how the history comes: `direct` on the link stream now (what it does not
   * deliver follows through the relays), or `relay`: sealed by the existing device for the
   * account's relays at once and fetched by this device's messenger once it runs (the two devices
   * need not be online together again; progress then as `history-progress` events). @default 'direct'
   */
  historyVia?: 'direct' | 'relay'
  /** With `linkCode`: messages of the history stored so far, of `total`; `error` once when the transfer broke off (the device is linked). */
  onHistoryProgress?: (progress: HistoryLinkProgress) => void
  /**
   * The home's store, already opened by the caller (`openHomeStore`, e.g. while other modules
   * load); the messenger's node owns it from here on (closes it when it stops or fails to open).
   * Not with `linkCode`, which opens the store itself.
   */
  store?: Store
}

/**
 * Node: opens (or creates) the account in a home directory and returns its messenger, not yet
 * started. Relays, when given, are also used as bootstrap peers. The messenger owns the node it
 * opened: its `stop()` stops the messenger, then the node, which closes the store.
 *
 * @example
 * ```ts
 * const messenger = await openHomeMessenger({ home, passphrase, create: true, relays: ['/ip4/…/tcp/4001/p2p/…'] })
 * await messenger.start()
 * await messenger.stop()
 * ```
 */
export async function openHomeMessenger (init: OpenHomeMessengerInit, options: AbortOptions = {}): Promise<HomeMessenger> {
  const { relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, drainPageSize, now, linkCode, onLinkSas, history, historyVia, onHistoryProgress, attachments, blobs, ...nodeInit } = init
  if (linkCode != null) {
    if (init.store != null) {
      await init.store.close()
      throw new InvalidArgumentError('openHomeMessenger: `store` and `linkCode` cannot be combined')
    }
    const store = await openHomeStore({ home: init.home, passphrase: init.passphrase, create: true, kdf: init.kdf }, options)
    try {
      await linkNewDevice(store, { code: linkCode, onSas: onLinkSas, history, via: historyVia, onProgress: onHistoryProgress }, { allowPrivateAddresses }, options)
    } finally {
      await store.close()
    }
  }
  const node = await openHomeNode({
    ...nodeInit,
    allowPrivateAddresses,
    // a fleet (`fleet:<id>`) is no address; a fleet link's member (`fleet:<id>@<multiaddr>`) is
    bootstrap: [...(nodeInit.bootstrap ?? []), ...(relays ?? []).flatMap((r) => isFleetRef(r) ? (parseFleetRef(r).bootstrap ?? []) : [r])]
  }, options)
  // attachment files live beside the store, sealed (ciphertext only)
  return new HomeMessenger({ node, store: node.store, relays, relayCount, allowPrivateAddresses, outbox, drainIntervalMs, drainPageSize, now, attachments, blobs: blobs ?? new FileBlobs(join(init.home, 'blobs')) })
}
