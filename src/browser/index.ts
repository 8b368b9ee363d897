/**
 * @packageDocumentation
 *
 * `parley/browser`: Parley in a web page. `createParley` opens this tab's device (IndexedDB
 * store, libp2p over WebSockets + circuit relay + WebRTC) and returns it; see docs/BROWSER.md.
 */
export { createParley, type CreateParleyOptions, type Parley } from './create-parley.js'
export { openBrowserNode, waitForRelayReservation, parseRelays, type BrowserNode, type BrowserNodeInit, type BrowserStorageOptions } from './browser-node.js'
export { acquireStoreLock, storeLockName, type StoreLock, type AcquireStoreLockOptions } from './store-lock.js'
export { StoreLockedError, InvalidRelayAddressError, RelayUnreachableError } from './errors.js'
export { DEFAULT_STORAGE_NAME, DEFAULT_RELAY_TIMEOUT_MS } from './constants.js'
export { ParleyError, hasCode } from '../errors.js'
export { destroyStore } from '../store/index.js'
export { multiaddr } from '@multiformats/multiaddr'
export type * from '../messenger/types.js'
