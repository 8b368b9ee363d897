/**
 * Sealed sender (after Signal's sealed sender v1): the envelope payload names only an
 * ephemeral key; the sender's identity travels encrypted and is authenticated by a second
 * key derivation over DH(sender identity key, recipient identity key).
 *
 *   e = fresh X25519;  okm1 = HKDF(ikm = DH(e, IK_R), salt = IK_R || E, info_eph, 76)
 *     = chainKey(32) || key1(32) || nonce1(12)
 *   staticCiphertext = AEAD(key1, nonce1, IK_S, ad = E || IK_R)
 *   okm2 = HKDF(ikm = DH(IK_S, IK_R), salt = chainKey || staticCiphertext, info_static, 44)
 *   ciphertext = AEAD(okm2[0..32), okm2[32..44), pad(SealedContent), ad = E || IK_R || staticCiphertext)
 */
import { type CryptoBackend, type KeyPair, generateX25519KeyPair } from './backend.js'
import { concatBytes, ownBytes, utf8, wipe } from '../bytes.js'
import { ab, decodeSealedBox, decodeSealedContent, MessageType, SealedBox, SealedContent } from './codec.js'
import { E2E_VERSION, INFO_SEALED_EPHEMERAL, INFO_SEALED_STATIC, MAX_SEALED_CONTENT_BYTES } from './constants.js'
import { checkLength } from './check-length.js'
import { DecryptError, InvalidSenderError } from './errors.js'
import { pad, unpad } from './padding.js'
import type { CiphertextMessage } from './session.js'

const INFO_EPHEMERAL = utf8(INFO_SEALED_EPHEMERAL)
const INFO_STATIC = utf8(INFO_SEALED_STATIC)

/** The sending device's keys as sealed sender needs them. */
export interface SealSender {
  /** Ed25519 account public key (the user's address). */
  accountKey: Uint8Array
  /** Ed25519 device public key. */
  deviceKey: Uint8Array
  /** The device's X25519 identity key pair (its static key in the box). */
  identityDh: KeyPair
}

/** What {@link openSealed} proves and returns. */
export interface OpenedSealed {
  sender: {
    /** Claimed account key: check that its account record lists `deviceKey` + `identityDhKey`. */
    accountKey: Uint8Array
    /** Claimed device key (same check). */
    deviceKey: Uint8Array
    /** Proven: the sender holds its private key. */
    identityDhKey: Uint8Array
  }
  message: CiphertextMessage
}

async function ephemeralLayer (backend: CryptoBackend, dh: Uint8Array, recipientKey: Uint8Array, ephemeralKey: Uint8Array): Promise<Uint8Array> {
  const okm = await backend.hkdfSha256(dh, concatBytes(recipientKey, ephemeralKey), INFO_EPHEMERAL, 76)
  dh.fill(0)
  return okm
}

async function staticLayer (backend: CryptoBackend, dh: Uint8Array, chainKey: Uint8Array, staticCiphertext: Uint8Array): Promise<Uint8Array> {
  const okm = await backend.hkdfSha256(dh, concatBytes(chainKey, staticCiphertext), INFO_STATIC, 44)
  dh.fill(0)
  return okm
}

/**
 * Seals `message` for one recipient device: the bytes to put in an envelope's payload.
 *
 * @example
 * ```ts
 * const payload = await sealForDevice(nativeBackend, {
 *   sender: { accountKey, deviceKey: device.signing.publicKey, identityDh: device.identityDh },
 *   recipientIdentityDhKey: theirDevice.identityDhKey,
 *   message
 * })
 * ```
 */
export async function sealForDevice (backend: CryptoBackend, input: { sender: SealSender, recipientIdentityDhKey: Uint8Array, message: CiphertextMessage }): Promise<Uint8Array> {
  const { sender, recipientIdentityDhKey: recipient, message } = input
  checkLength(sender.accountKey, 32, 'Account key')
  checkLength(sender.deviceKey, 32, 'Device key')
  const e = await generateX25519KeyPair(backend)
  const okm1 = await ephemeralLayer(backend, await backend.x25519(e.privateKey, recipient), recipient, e.publicKey)
  e.privateKey.fill(0)
  const staticCiphertext = await backend.aeadSeal(okm1.subarray(32, 64), okm1.subarray(64, 76), sender.identityDh.publicKey, concatBytes(e.publicKey, recipient))
  const okm2 = await staticLayer(backend, await backend.x25519(sender.identityDh.privateKey, recipient), okm1.subarray(0, 32), staticCiphertext)
  okm1.fill(0)
  const content = SealedContent.encode({
    version: E2E_VERSION,
    senderAccountKey: ab(sender.accountKey),
    senderDeviceKey: ab(sender.deviceKey),
    type: message.type === 'prekey' ? MessageType.PREKEY : MessageType.RATCHET,
    message: ab(message.body)
  })
  const padded = pad(content, MAX_SEALED_CONTENT_BYTES)
  const ciphertext = await backend.aeadSeal(okm2.subarray(0, 32), okm2.subarray(32, 44), padded, concatBytes(e.publicKey, recipient, staticCiphertext))
  wipe(okm2, padded, content)
  return SealedBox.encode({ version: E2E_VERSION, ephemeralKey: ab(e.publicKey), staticCiphertext: ab(staticCiphertext), ciphertext: ab(ciphertext) })
}

/**
 * Opens a sealed box addressed to `recipient` (this device's identity DH key pair). Throws
 * `DecryptError` (not for us / corrupted outer layer), `InvalidSenderError` (the sender could
 * not prove the identity key it names, or the inner layer was altered),
 * `MalformedMessageError`, `MessageTooLargeError`.
 *
 * @example
 * ```ts
 * const { sender, message } = await openSealed(nativeBackend, device.identityDh, payload)
 * ```
 */
export async function openSealed (backend: CryptoBackend, recipient: KeyPair, bytes: Uint8Array): Promise<OpenedSealed> {
  const box = decodeSealedBox(bytes)
  const okm1 = await ephemeralLayer(backend, await backend.x25519(recipient.privateKey, box.ephemeralKey), recipient.publicKey, box.ephemeralKey)
  let senderIdentityDhKey: Uint8Array
  try {
    senderIdentityDhKey = await backend.aeadOpen(okm1.subarray(32, 64), okm1.subarray(64, 76), box.staticCiphertext, concatBytes(box.ephemeralKey, recipient.publicKey))
  } catch (err) {
    okm1.fill(0)
    throw new DecryptError('Sealed box is not for this device or is corrupted', { cause: err })
  }
  const okm2 = await staticLayer(backend, await backend.x25519(recipient.privateKey, senderIdentityDhKey), okm1.subarray(0, 32), box.staticCiphertext)
  okm1.fill(0)
  let padded: Uint8Array
  try {
    padded = await backend.aeadOpen(okm2.subarray(0, 32), okm2.subarray(32, 44), box.ciphertext, concatBytes(box.ephemeralKey, recipient.publicKey, box.staticCiphertext))
  } catch (err) {
    throw new InvalidSenderError(undefined, { cause: err })
  } finally {
    okm2.fill(0)
  }
  const content = decodeSealedContent(unpad(padded))
  return {
    sender: { accountKey: ownBytes(content.senderAccountKey), deviceKey: ownBytes(content.senderDeviceKey), identityDhKey: senderIdentityDhKey },
    message: { type: content.type === MessageType.PREKEY ? 'prekey' : 'ratchet', body: ownBytes(content.message) }
  }
}
