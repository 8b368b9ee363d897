import { ParleyError } from '../errors.js'

/**
 * Another tab (or another `createParley` in this page) holds this store: opening it twice
 * would let two writers corrupt the same IndexedDB database.
 *
 * @example
 * ```ts
 * try { await createParley({ relays }) } catch (err) {
 *   if (err instanceof StoreLockedError) showBanner('Parley is open in another tab')
 * }
 * ```
 */
export class StoreLockedError extends ParleyError {
  static override name = 'StoreLockedError'
  constructor (message = 'this Parley store is open in another tab', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_LOCKED', options)
  }
}

/**
 * `createParley` was called without a usable relay multiaddr (each needs `/p2p/<id>`).
 *
 * @example
 * ```ts
 * await createParley({ relays: [] }) // throws InvalidRelayAddressError
 * ```
 */
export class InvalidRelayAddressError extends ParleyError {
  static override name = 'InvalidRelayAddressError'
  constructor (message = 'relay multiaddrs must end in /p2p/<peer id>', options?: { cause?: unknown }) {
    super(message, 'ERR_INVALID_RELAY', options)
  }
}

/**
 * No relay accepted a circuit-relay reservation in time: other peers cannot reach this tab.
 *
 * @example
 * ```ts
 * try { await createParley({ relays }) } catch (err) {
 *   if (err instanceof RelayUnreachableError) retryLater()
 * }
 * ```
 */
export class RelayUnreachableError extends ParleyError {
  static override name = 'RelayUnreachableError'
  constructor (message = 'no relay could be reached', options?: { cause?: unknown }) {
    super(message, 'ERR_RELAY_UNREACHABLE', options)
  }
}
