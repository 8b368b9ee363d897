/**
 * Session-level encrypt/decrypt: wraps ratchet messages in prekey messages while the
 * initiator still waits for a reply, and routes incoming prekey messages of an existing
 * session to its ratchet.
 */
import { equalBytes } from '../bytes.js'
import type { CryptoBackend } from './backend.js'
import { ab, decodePrekeyMessage, PrekeyMessage } from './codec.js'
import { E2E_VERSION } from './constants.js'
import { SessionStateError } from './errors.js'
import { type SessionState, ratchetDecrypt, ratchetEncrypt } from './ratchet.js'

/** An encrypted message as it travels inside a sealed box. */
export interface CiphertextMessage {
  type: 'prekey' | 'ratchet'
  /** Encoded PrekeyMessage or RatchetMessage. */
  body: Uint8Array
}

/**
 * Encrypts `plaintext` (padded to a bucket first). Returns the next state and the message.
 *
 * @example
 * ```ts
 * const { state: next, message } = await encryptMessage(nativeBackend, state, new TextEncoder().encode('hi'))
 * const payload = await sealForDevice(nativeBackend, { sender, recipientIdentityDhKey, message })
 * ```
 */
export async function encryptMessage (backend: CryptoBackend, state: SessionState, plaintext: Uint8Array): Promise<{ state: SessionState, message: CiphertextMessage }> {
  const { state: next, message } = await ratchetEncrypt(backend, state, plaintext)
  const pending = state.pending
  if (pending === undefined) return { state: next, message: { type: 'ratchet', body: message } }
  const body = PrekeyMessage.encode({
    version: E2E_VERSION,
    deviceKey: ab(state.localDeviceKey),
    identityDhKey: ab(state.localIdentityDhKey),
    baseKey: ab(pending.baseKey),
    signedPrekeyId: pending.signedPrekeyId,
    oneTimePrekeyId: pending.oneTimePrekeyId,
    pqPrekeyId: pending.pqPrekeyId,
    pqPrekeyOneTime: pending.pqPrekeyOneTime,
    kemCiphertext: ab(pending.kemCiphertext),
    message: ab(message)
  })
  return { state: next, message: { type: 'prekey', body } }
}

/**
 * True when a prekey message belongs to `state`'s handshake (same base key and initiator),
 * i.e. it is a later message of a session that already exists.
 */
export function isPrekeyMessageOf (state: SessionState, body: Uint8Array): boolean {
  const msg = decodePrekeyMessage(body)
  return equalBytes(msg.baseKey, state.baseKey) && equalBytes(msg.identityDhKey, state.remoteIdentityDhKey) && equalBytes(msg.deviceKey, state.remoteDeviceKey)
}

/**
 * Decrypts a message of an existing session. Returns a NEW state (input untouched): store it
 * only on success. A prekey message is accepted only if it belongs to this session's
 * handshake; a new handshake goes to `acceptPrekeyMessage` instead (`SessionStateError`).
 *
 * @example
 * ```ts
 * const { state: next, plaintext } = await decryptMessage(nativeBackend, state, opened.message)
 * ```
 */
export async function decryptMessage (backend: CryptoBackend, state: SessionState, message: CiphertextMessage): Promise<{ state: SessionState, plaintext: Uint8Array }> {
  if (message.type === 'ratchet') return await ratchetDecrypt(backend, state, message.body)
  const msg = decodePrekeyMessage(message.body)
  if (state.initiator || !equalBytes(msg.baseKey, state.baseKey) || !equalBytes(msg.identityDhKey, state.remoteIdentityDhKey) || !equalBytes(msg.deviceKey, state.remoteDeviceKey)) {
    throw new SessionStateError('Prekey message starts a new session: use acceptPrekeyMessage')
  }
  return await ratchetDecrypt(backend, state, msg.message)
}
