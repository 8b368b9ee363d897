import type { OpenedSealed } from '../../crypto/index.js'
import type { DeviceEntry } from '../../identity/account-record.js'
import type { StoreTransaction } from '../../store/index.js'
import type { FetchedOneTimePrekeys, OpenedEnvelope, SealedForDevice } from './e2e-sessions.js'

/**
 * Pairwise end-to-end sessions with other devices, as the messenger uses them (implemented by
 * `E2ESessions`, whose handshake and sealed box run in the device's `SessionKeys`: the secret
 * keys never leave `device/`).
 */
export interface SessionCrypto {
  /** True when a session with this device exists. */
  has: (theirDevice: Uint8Array) => Promise<boolean>
  /** Ends the current session with a device (archived: in-flight messages still open). */
  reset: (theirDevice: Uint8Array) => Promise<void>
  /** Erases every session (current and archived) with a device its account removed. */
  forget: (theirDevice: Uint8Array, tx?: StoreTransaction) => Promise<void>
  /** Encrypts and seals `plaintext` for one device; `commit` stores the advanced session. */
  seal: (device: DeviceEntry, plaintext: Uint8Array, oneTime?: FetchedOneTimePrekeys, tx?: StoreTransaction) => Promise<SealedForDevice>
  /** The sealed box of a payload opened: who claims to have sent it (keys proven by the box) and its message, without touching sessions. */
  peekSender: (payload: Uint8Array) => Promise<OpenedSealed>
  /**
   * Opens a sealed payload (its sealed box again, unless `peekSender`'s result for the same
   * payload is passed); nothing is stored until `commit` runs. With `tx`, sessions are read
   * through that transaction (so a message sees the state an earlier one of it left).
   */
  open: (payload: Uint8Array, unsealed?: OpenedSealed, tx?: StoreTransaction) => Promise<OpenedEnvelope>
}
