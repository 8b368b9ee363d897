import type { AbortOptions } from '@libp2p/interface'
import { linkDevice } from '../device/device-link.js'
import { storeHasAccount } from '../device/index.js'
import type { HistorySink } from '../device/link-history.js'
import { ErrorCode, hasCode } from '../errors.js'
import { applyHistoryFrame, type HistoryScope } from '../messenger/devices/history-archive.js'
import { createEphemeralNode, reachableOnlyViaRelays } from '../p2p/index.js'
import type { Store } from '../store/index.js'

/** A new device's history during linking: messages stored of `total` (`via: 'relay'`: none yet, the messenger fetches them). */
export interface HistoryLinkProgress { received: number, total: number, done: boolean, via: 'direct' | 'relay', error?: Error }

/** Days of history a newly linked device asks for by default. */
export const DEFAULT_HISTORY_DAYS = 30

/** How a new device joins an existing account: the code its user copied, and what it asks for. */
export interface NewDeviceLink {
  /** A code from `createDeviceLink()` on one of the account's devices. */
  code: string
  /** Called with the short authentication string to show while the existing device's user confirms. */
  onSas?: (sas: string) => void
  /** Which history to ask the existing device for. @default { kind: 'days', days: 30 } */
  history?: HistoryScope
  /**
   * How the history comes: `direct` on the link stream now, or `relay`: sealed by the existing
   * device for the account's relays and fetched by this device's messenger once it runs. A
   * link that runs on a relay's limited connection (the existing device is a browser) always
   * gets it through the relays. @default 'direct'
   */
  via?: 'direct' | 'relay'
  /** Messages of the history stored so far, of `total`; `error` once when the transfer broke off (the device is linked). */
  onProgress?: (progress: HistoryLinkProgress) => void
}

/**
 * Joins the account of `link.code` as a new device in `store` (Node home or browser IndexedDB),
 * unless the store already holds an account (a restart after linking: nothing to do). Resolves
 * once linked and the direct history (if any) is stored; a history that broke off is reported
 * through `onProgress` and leaves a working device.
 *
 * @example
 * ```ts
 * await linkNewDevice(store, { code: 'parley-link:…', onSas: (sas) => show(sas) }, { allowPrivateAddresses: false })
 * ```
 */
export async function linkNewDevice (store: Store, link: NewDeviceLink, init: { allowPrivateAddresses?: boolean } = {}, options: AbortOptions = {}): Promise<void> {
  if (await storeHasAccount(store)) return
  const { onProgress } = link
  const scope = link.history ?? { kind: 'days', days: DEFAULT_HISTORY_DAYS }
  const sink: HistorySink = {
    apply: async (frame) => applyHistoryFrame(store, frame),
    onProgress: (received, total) => { onProgress?.({ received, total, done: false, via: 'direct' }) }
  }
  const result = await linkDevice({
    store,
    code: link.code,
    createEphemeralNode: async (opts) => createEphemeralNode({ ...opts, allowPrivateAddresses: init.allowPrivateAddresses }),
    relayedOnly: reachableOnlyViaRelays,
    onSas: link.onSas,
    history: scope.kind === 'none' ? undefined : { ...sink, ...(scope.kind === 'all' ? { all: true as const } : { days: scope.days }), viaRelay: link.via === 'relay' }
  }, { signal: options.signal }).catch((err: unknown) => {
    // linked, but the history broke off: the device works with what arrived
    if (!hasCode(err, ErrorCode.HISTORY_INCOMPLETE)) throw err
    onProgress?.({ received: 0, total: 0, done: true, via: 'direct', error: err as Error })
    return undefined
  })
  // `relay` also when the existing device was reachable only through a relay's limited connection (a browser)
  if (result != null && scope.kind !== 'none') onProgress?.({ received: result.historyMessages, total: result.historyVia === 'relay' ? 0 : result.historyMessages, done: result.historyVia !== 'relay', via: result.historyVia })
}
