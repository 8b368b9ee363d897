/**
 * Size-checked encoders/decoders for the wire structures in src/wire/e2e.proto. Every decoder
 * checks the total size before parsing, then version and field lengths, and throws
 * `MessageTooLargeError`, `MalformedMessageError` or `UnsupportedVersionError`.
 */
import {
  MessageType, PrekeyMessage, RatchetHeader, RatchetMessage, SealedBox, SealedContent
} from '../wire/e2e.js'
import {
  E2E_VERSION, MAX_PREKEY_MESSAGE_BYTES, MAX_RATCHET_MESSAGE_BYTES, MAX_SEALED_BOX_BYTES,
  MAX_SEALED_CONTENT_BYTES, MLKEM768_CIPHERTEXT_BYTES
} from './constants.js'
import { equalBytes } from '../bytes.js'
import { MalformedMessageError, MessageTooLargeError, UnsupportedVersionError } from './errors.js'

export { MessageType, PrekeyMessage, RatchetHeader, RatchetMessage, SealedBox, SealedContent }

/** protons types want ArrayBuffer-backed views; ours always are (never SharedArrayBuffer). */
export function ab (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

/**
 * Size check, decode, then a canonical-encoding check: re-encoding must give the same bytes,
 * so no two byte strings decode to the same message (every flipped bit is an error, even in
 * fields that are not otherwise authenticated, such as a tag's wire type).
 */
function guard<T> (what: string, bytes: Uint8Array, max: number, codec: { decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array }): T {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError(`${what}: not bytes`)
  if (bytes.length > max) throw new MessageTooLargeError(`${what} of ${bytes.length} bytes exceeds ${max}`)
  let value: T
  try {
    value = codec.decode(bytes)
  } catch (err) {
    throw new MalformedMessageError(`${what}: undecodable`, { cause: err })
  }
  if (!equalBytes(codec.encode(value), bytes)) throw new MalformedMessageError(`${what}: non-canonical encoding`)
  return value
}

function checkVersion (what: string, version: number): void {
  if (version !== E2E_VERSION) throw new UnsupportedVersionError(`${what} version ${version}`)
}

function checkField (what: string, field: string, bytes: Uint8Array, min: number, max = min): void {
  if (bytes.length < min || bytes.length > max) throw new MalformedMessageError(`${what}: ${field} has ${bytes.length} bytes`)
}

/** Decodes and checks a ratchet header (ratchet key must be 32 bytes). */
export function decodeRatchetHeader (bytes: Uint8Array): RatchetHeader {
  const header = guard('Ratchet header', bytes, 64, RatchetHeader)
  checkField('Ratchet header', 'ratchetKey', header.ratchetKey, 32)
  return header
}

/** Decodes and checks a ratchet message. */
export function decodeRatchetMessage (bytes: Uint8Array): RatchetMessage {
  const msg = guard('Ratchet message', bytes, MAX_RATCHET_MESSAGE_BYTES, RatchetMessage)
  checkVersion('Ratchet message', msg.version)
  checkField('Ratchet message', 'header', msg.header, 1, 64)
  checkField('Ratchet message', 'ciphertext', msg.ciphertext, 16, MAX_RATCHET_MESSAGE_BYTES)
  return msg
}

/** Decodes and checks a prekey message (its inner ratchet message is checked too). */
export function decodePrekeyMessage (bytes: Uint8Array): PrekeyMessage {
  const msg = guard('Prekey message', bytes, MAX_PREKEY_MESSAGE_BYTES, PrekeyMessage)
  checkVersion('Prekey message', msg.version)
  checkField('Prekey message', 'deviceKey', msg.deviceKey, 32)
  checkField('Prekey message', 'identityDhKey', msg.identityDhKey, 32)
  checkField('Prekey message', 'baseKey', msg.baseKey, 32)
  checkField('Prekey message', 'kemCiphertext', msg.kemCiphertext, MLKEM768_CIPHERTEXT_BYTES)
  checkField('Prekey message', 'message', msg.message, 1, MAX_RATCHET_MESSAGE_BYTES)
  return msg
}

/** Decodes and checks a sealed box (the envelope payload). */
export function decodeSealedBox (bytes: Uint8Array): SealedBox {
  const box = guard('Sealed box', bytes, MAX_SEALED_BOX_BYTES, SealedBox)
  checkVersion('Sealed box', box.version)
  checkField('Sealed box', 'ephemeralKey', box.ephemeralKey, 32)
  checkField('Sealed box', 'staticCiphertext', box.staticCiphertext, 48)
  checkField('Sealed box', 'ciphertext', box.ciphertext, 16, MAX_SEALED_CONTENT_BYTES + 16)
  return box
}

/** Decodes and checks the (unpadded) content of a sealed box. */
export function decodeSealedContent (bytes: Uint8Array): SealedContent {
  const content = guard('Sealed content', bytes, MAX_SEALED_CONTENT_BYTES, SealedContent)
  checkVersion('Sealed content', content.version)
  checkField('Sealed content', 'senderAccountKey', content.senderAccountKey, 32)
  checkField('Sealed content', 'senderDeviceKey', content.senderDeviceKey, 32)
  if (content.type !== MessageType.PREKEY && content.type !== MessageType.RATCHET) {
    throw new MalformedMessageError('Sealed content: unknown message type')
  }
  checkField('Sealed content', 'message', content.message, 1, MAX_PREKEY_MESSAGE_BYTES)
  return content
}
