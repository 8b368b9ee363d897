import type { PrekeyBundle, DevicePublicKeys } from './prekeys.js'
import type { AcceptedSession } from './pqxdh.js'
import type { SessionState } from './ratchet.js'
import type { OpenedSealed } from './sealed-sender.js'
import type { CiphertextMessage } from './session.js'

/**
 * What end-to-end sessions do with this device's secret keys (the X25519 identity key and the
 * private prekeys), done by whoever holds them: `device/` implements it, so the session logic in
 * the messenger never sees secret key bytes (as {@link Signer} does for signatures).
 *
 * @example
 * ```ts
 * const state = await keys.initiate(bundle)                 // PQXDH as initiator
 * const sent = await encryptMessage(backend, state, plaintext)
 * const payload = await keys.seal(bundle.identityDhKey, sent.message)
 * // on the other device
 * const { sender, message } = await theirKeys.open(payload)
 * const accepted = await theirKeys.accept(message.body, sender)
 * ```
 */
export interface SessionKeys {
  /** This account's Ed25519 public key (named inside every sealed box). */
  readonly accountKey: Uint8Array
  /** This device's Ed25519 public key (names its sessions). */
  readonly deviceKey: Uint8Array
  /** PQXDH as initiator: a new session with the device `bundle` describes (its signatures verified first). */
  initiate: (bundle: PrekeyBundle) => Promise<SessionState>
  /** PQXDH as responder: the session a prekey message starts, checked against the sender the sealed box proved. */
  accept: (body: Uint8Array, sender: DevicePublicKeys) => Promise<AcceptedSession>
  /** Seals a ratchet message for a device's identity DH key, naming this account and device inside. */
  seal: (recipientIdentityDhKey: Uint8Array, message: CiphertextMessage) => Promise<Uint8Array>
  /** Opens a sealed-sender box addressed to this device: who sent it (proven keys) and the message. */
  open: (sealed: Uint8Array) => Promise<OpenedSealed>
}
