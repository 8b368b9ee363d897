import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { concatBytes, toHex, u64be, utf8 } from '../../bytes.js'
import { Feedback } from '../../wire/channel.js'
import { FEEDBACK_PLAIN_BYTES, MAX_FEEDBACK_VIEWED, MAX_REACTION_BYTES } from './constants.js'
import { ChannelPostInvalidError } from './errors.js'

const SEAL_INFO = utf8('parley-channel-feedback-v1')
const COLLECT_DOMAIN = utf8('parley-channel-collect-v1')
const NONCE_BYTES = 24
/** Bytes of every sealed feedback: ephemeral key, nonce, the padded plaintext and its tag. */
export const SEALED_FEEDBACK_BYTES = 32 + NONCE_BYTES + FEEDBACK_PLAIN_BYTES + 16

/**
 * Seals a reader's {@link Feedback} to a channel's owner (PROTOCOL.md §13.5): X25519 between a
 * fresh ephemeral key and the channel key's Montgomery form (RFC 7748 birational map), HKDF-SHA256,
 * XChaCha20-Poly1305 over the feedback padded to {@link FEEDBACK_PLAIN_BYTES}, with the channel
 * key as associated data. Every sealed feedback has the same size; only the owner opens it.
 */
export function sealFeedback (channelKey: Uint8Array, feedback: Feedback): Uint8Array {
  checkFeedback(feedback)
  const encoded = Feedback.encode(feedback)
  const plain = new Uint8Array(FEEDBACK_PLAIN_BYTES)
  new DataView(plain.buffer).setUint16(0, encoded.length)
  plain.set(encoded, 2)
  const ephemeral = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeral)
  const ownerX = ed25519.utils.toMontgomery(channelKey)
  const key = hkdf(sha256, x25519.getSharedSecret(ephemeral, ownerX), concatBytes(ephemeralPublic, ownerX), SEAL_INFO, 32)
  ephemeral.fill(0)
  const nonce = randomBytes(NONCE_BYTES)
  return concatBytes(ephemeralPublic, nonce, xchacha20poly1305(key, nonce, channelKey).encrypt(plain))
}

/** Opens a sealed feedback with the channel's Ed25519 seed (the owner's). Throws `undecryptable`/`malformed`. */
export function openFeedback (channelSeed: Uint8Array, channelKey: Uint8Array, sealed: Uint8Array): Feedback {
  if (sealed.length !== SEALED_FEEDBACK_BYTES) throw new ChannelPostInvalidError('malformed', 'Sealed feedback of the wrong size')
  const ephemeralPublic = sealed.subarray(0, 32)
  const ownerSecret = ed25519.utils.toMontgomerySecret(channelSeed)
  let plain: Uint8Array
  try {
    const ownerX = x25519.getPublicKey(ownerSecret)
    const key = hkdf(sha256, x25519.getSharedSecret(ownerSecret, ephemeralPublic), concatBytes(ephemeralPublic, ownerX), SEAL_INFO, 32)
    plain = xchacha20poly1305(key, sealed.subarray(32, 32 + NONCE_BYTES), channelKey).decrypt(sealed.subarray(32 + NONCE_BYTES))
  } catch {
    throw new ChannelPostInvalidError('undecryptable', 'Sealed feedback does not open')
  } finally {
    ownerSecret.fill(0)
  }
  const length = new DataView(plain.buffer, plain.byteOffset).getUint16(0)
  let feedback: Feedback
  try {
    if (length > plain.length - 2) throw new Error('length')
    feedback = Feedback.decode(plain.subarray(2, 2 + length), { limits: { viewed: MAX_FEEDBACK_VIEWED } })
  } catch {
    throw new ChannelPostInvalidError('malformed', 'Malformed feedback')
  }
  checkFeedback(feedback)
  return feedback
}

/** The bytes the owner signs to collect feedback from a relay. */
function collectMessage (channelKey: Uint8Array, after: number, at: number): Uint8Array {
  return concatBytes(COLLECT_DOMAIN, channelKey, u64be(after), u64be(at))
}

/** The owner's signature on a COLLECT request. */
export function signCollect (channelSeed: Uint8Array, channelKey: Uint8Array, after: number, at: number): Uint8Array {
  return ed25519.sign(collectMessage(channelKey, after, at), channelSeed)
}

/** True when `signature` is the channel key's on a COLLECT request. */
export function verifyCollect (channelKey: Uint8Array, after: number, at: number, signature: Uint8Array): boolean {
  if (signature.length !== 64 || channelKey.length !== 32) return false
  try {
    return ed25519.verify(signature, collectMessage(channelKey, after, at), channelKey)
  } catch {
    return false
  }
}

function checkFeedback (feedback: Feedback): void {
  if (feedback.reader.length !== 16) throw new ChannelPostInvalidError('malformed', 'A reader pseudonym is 16 bytes')
  if (utf8(feedback.emoji).length > MAX_REACTION_BYTES) throw new ChannelPostInvalidError('too-large', 'Reaction too long')
  if (feedback.viewed.length > MAX_FEEDBACK_VIEWED) throw new ChannelPostInvalidError('too-large', 'Too many viewed posts in one feedback')
}

/**
 * What a sealed box is held and counted once by, at relays and at the owner: the first 16 bytes
 * of its SHA-256, in hex (the same box reaches the owner through every relay that holds it).
 */
export function feedbackFingerprint (sealed: Uint8Array): string {
  return toHex(sha256(sealed).subarray(0, 16))
}
