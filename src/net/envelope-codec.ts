import { Ack, Envelope } from '../wire/parley.js'
import { toHex } from '../bytes.js'
import { MalformedFrameError } from './errors.js'

export { Ack, Envelope }

/** Protocol id of direct envelope delivery. */
export const ENVELOPE_PROTOCOL = '/parley/msg/1.0.0'
/** Current envelope format version. */
export const ENVELOPE_VERSION = 1
/** Largest envelope frame (protobuf bytes) accepted: 256 KiB. Attachments travel elsewhere. */
export const MAX_ENVELOPE_FRAME_BYTES = 256 * 1024
/** Largest ack frame accepted. */
export const MAX_ACK_FRAME_BYTES = 512
/** Envelope id length. */
export const ENVELOPE_ID_BYTES = 16
/** Ed25519 device key length. */
export const DEVICE_KEY_BYTES = 32

/**
 * Decodes and checks one envelope frame; throws {@link MalformedFrameError} for anything
 * that is not a well-formed version-1 envelope.
 */
export function decodeEnvelope (frame: Uint8Array): Envelope {
  let envelope: Envelope
  try {
    envelope = Envelope.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Envelope does not decode: ${(err as Error).message}`)
  }
  if (envelope.version !== ENVELOPE_VERSION) throw new MalformedFrameError(`Unsupported envelope version ${envelope.version}`)
  if (envelope.id.length !== ENVELOPE_ID_BYTES) throw new MalformedFrameError('Envelope id must be 16 bytes')
  if (envelope.recipientDevice.length !== DEVICE_KEY_BYTES) throw new MalformedFrameError('Recipient device key must be 32 bytes')
  return envelope
}

/** Decodes one ack frame. */
export function decodeAck (frame: Uint8Array): Ack {
  let ack: Ack
  try {
    ack = Ack.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Ack does not decode: ${(err as Error).message}`)
  }
  if (ack.code.length > 64) throw new MalformedFrameError('Ack code too long')
  return ack
}

/** Hex form of an envelope id, for maps and logs (ids are random, not secret). */
export const envelopeIdHex = toHex
