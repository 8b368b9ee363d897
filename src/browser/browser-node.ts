import type { AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import type { NewDeviceLink } from '../node/link-new-device.js'
import { ParleyNode, type ParleyNodeInit } from '../node/parley-node.js'
import { openStore, type Store } from '../store/index.js'
import { DEFAULT_RELAY_TIMEOUT_MS, DEFAULT_STORAGE_NAME } from './constants.js'
import { InvalidRelayAddressError, RelayUnreachableError } from './errors.js'
import { acquireStoreLock, type StoreLock } from './store-lock.js'

export interface BrowserStorageOptions {
  /** IndexedDB database name; one account per name. @default 'parley' */
  name?: string
  /** Protect the store key with a passphrase instead of a non-extractable WebCrypto key. */
  passphrase?: string
  /** When another tab holds the store, wait for it instead of throwing StoreLockedError. @default false */
  waitForLock?: boolean
}

export interface BrowserNodeInit {
  /** Relay multiaddrs, each ending in `/p2p/<peer id>` (browsers need `/ws` or `/wss`). */
  relays: string[]
  storage?: BrowserStorageOptions
  /** Allow `ws://` and private/loopback addresses (dev and tests only). @default false */
  allowPrivateAddresses?: boolean
  /** ICE servers for WebRTC between browsers. @default [] (no third-party STUN) */
  iceServers?: RTCIceServer[]
  /** How long to wait for a relay reservation before carrying on unreachable. @default 10000 */
  relayTimeoutMs?: number
  /**
   * Join an existing account as a new device (a code from `createDeviceLink()` on one of its
   * devices, browser or Node) when this store holds no account yet; `onSas` shows the six digits
   * the existing device's user compares. Ignored once the store holds an account (a reload).
   */
  link?: NewDeviceLink
  /** Extra ParleyNode settings (tests). */
  node?: Partial<Omit<ParleyNodeInit, 'store' | 'bootstrap' | 'create'>>
  signal?: AbortSignal
}

/** An opened browser device: the store (locked to this tab), the node, and how to let go of both. */
export interface BrowserNode {
  readonly node: ParleyNode
  readonly store: Store
  readonly storageName: string
  readonly relays: string[]
  /** `/p2p-circuit/webrtc` addresses other browsers can dial this tab on. */
  webrtcAddresses: () => Multiaddr[]
  /** Stops the node, closes the store and releases the tab lock. */
  close: () => Promise<void>
}

/** Checks relay multiaddrs: parseable and carrying a `/p2p/` peer id. */
export function parseRelays (relays: string[]): string[] {
  if (!Array.isArray(relays) || relays.length === 0) throw new InvalidRelayAddressError('at least one relay multiaddr is needed')
  return relays.map((text) => {
    let ma: Multiaddr
    try { ma = multiaddr(text.trim()) } catch (err) { throw new InvalidRelayAddressError(`not a multiaddr: ${text}`, { cause: err }) }
    if (ma.getComponents().every((c) => c.name !== 'p2p')) throw new InvalidRelayAddressError(`relay multiaddr lacks /p2p/<peer id>: ${text}`)
    return ma.toString()
  })
}

const isCircuit = (ma: Multiaddr): boolean => ma.getComponents().some((c) => c.name === 'p2p-circuit')
const isWebRTC = (ma: Multiaddr): boolean => ma.getComponents().some((c) => c.name === 'webrtc')

/**
 * Resolves once the node holds a relay reservation (it has a `/p2p-circuit` address), or
 * throws RelayUnreachableError after `timeoutMs`.
 */
export async function waitForRelayReservation (node: ParleyNode, options: AbortOptions & { timeoutMs?: number } = {}): Promise<Multiaddr[]> {
  const reserved = (): Multiaddr[] => node.multiaddrs.filter(isCircuit)
  if (reserved().length > 0) return reserved()
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? DEFAULT_RELAY_TIMEOUT_MS), ...(options.signal != null ? [options.signal] : [])])
  // the circuit address shows up with `self:peer:update`; `transport:listening` and a slow
  // re-check cover an update that carries no change (addresses persisted from an earlier session)
  const events = ['self:peer:update', 'transport:listening'] as const
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => { check() }, 500)
    const done = (): void => {
      clearInterval(timer)
      for (const type of events) node.libp2p.removeEventListener(type, check)
      signal.removeEventListener('abort', onAbort)
    }
    const check = (): void => {
      const addrs = reserved()
      if (addrs.length > 0) { done(); resolve(addrs) }
    }
    const onAbort = (): void => {
      done()
      reject(options.signal?.aborted === true ? options.signal.reason : new RelayUnreachableError('no relay reservation in time'))
    }
    for (const type of events) node.libp2p.addEventListener(type, check)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** A device opened but not started: the tab lock, the store and the node on it. */
export interface OpenedDevice {
  node: ParleyNode
  store: Store
  storageName: string
  relays: string[]
  lock: StoreLock
  /** Closes the store and releases the lock (after a failure). */
  abandon: () => Promise<void>
}

/**
 * Takes the store's tab lock, opens the IndexedDB store and the device on it (created on first
 * load, kept after), without starting it. Shared by `openBrowserNode` and `createParley`.
 */
export async function openDevice (init: BrowserNodeInit): Promise<OpenedDevice> {
  const relays = parseRelays(init.relays)
  const storageName = init.storage?.name ?? DEFAULT_STORAGE_NAME
  const lock = await acquireStoreLock(storageName, { wait: init.storage?.waitForLock, signal: init.signal })
  let store: Store | undefined
  try {
    store = await openStore({ location: storageName, passphrase: init.storage?.passphrase, signal: init.signal })
    if (init.link != null) {
      // the new device's side of linking is a lazy chunk: most pages never load it
      const { linkNewDevice } = await import('../node/link-new-device.js')
      await linkNewDevice(store, init.link, { allowPrivateAddresses: init.allowPrivateAddresses }, { signal: init.signal })
    }
    const node = await ParleyNode.open({
      ...init.node,
      store,
      create: true,
      bootstrap: relays,
      allowPrivateAddresses: init.allowPrivateAddresses,
      ...(init.iceServers != null ? { iceServers: init.iceServers } : {})
    } as ParleyNodeInit, { signal: init.signal })
    const opened = store
    return {
      node, store, storageName, relays, lock,
      abandon: async () => {
        const log = node.libp2p.logger.forComponent('parley:browser')
        await node.stop().catch((err: unknown) => { log.error('could not stop the node of a failed start - %e', err) })
        await opened.close().catch((err: unknown) => { log.error('could not close the store of a failed start - %e', err) })
        lock.release()
      }
    }
  } catch (err) {
    // the error thrown is the open's; a close failing after it has nothing to add
    await store?.close().catch(() => undefined)
    lock.release()
    throw err
  }
}

/**
 * Waits for a relay reservation up to `timeoutMs`. Offline or relays down does not fail the start
 * (history and the outbox work offline): the RelayUnreachableError is returned, logged, and the
 * messenger's `reachability()` reports the device as degraded with the reason.
 */
export async function settleReachability (node: ParleyNode, init: Pick<BrowserNodeInit, 'relayTimeoutMs' | 'signal'>): Promise<RelayUnreachableError | undefined> {
  try {
    await waitForRelayReservation(node, { timeoutMs: init.relayTimeoutMs, signal: init.signal })
    return undefined
  } catch (err) {
    if (init.signal?.aborted === true || !(err instanceof RelayUnreachableError)) throw err
    node.libp2p.logger.forComponent('parley:browser').error('carrying on without a relay reservation (other devices cannot reach this one yet) - %e', err)
    return err
  }
}

/**
 * Opens this tab's Parley device below the Messenger (envelopes only): takes the store's tab
 * lock, opens the IndexedDB store (the identity is created on first load and kept), starts a
 * ParleyNode with the browser transports (WebSockets, circuit-relay-v2, WebRTC), dials the relays
 * and waits (up to `relayTimeoutMs`) for a reservation so that other browsers can reach it over
 * `/p2p-circuit/webrtc`. Most pages want `createParley` instead.
 *
 * @example
 * ```ts
 * const device = await openBrowserNode({ relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…'] })
 * console.log(device.node.address, device.webrtcAddresses().map(String))
 * await device.close()
 * ```
 */
export async function openBrowserNode (init: BrowserNodeInit): Promise<BrowserNode> {
  const device = await openDevice(init)
  const { node, store, lock } = device
  try {
    await node.start({ signal: init.signal })
    await settleReachability(node, init)
  } catch (err) {
    await device.abandon()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    node,
    store,
    storageName: device.storageName,
    relays: device.relays,
    webrtcAddresses: () => node.multiaddrs.filter((ma) => isCircuit(ma) && isWebRTC(ma)),
    close: async () => {
      closing ??= (async () => {
        try {
          await node.stop()
          await store.close()
        } finally {
          lock.release()
        }
      })()
      return closing
    }
  }
}
