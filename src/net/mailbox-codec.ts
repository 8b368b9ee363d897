import type { AbortOptions } from '@libp2p/interface'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { Signer } from '../crypto/index.js'
import { MailboxPrekey, MailboxRequest, MailboxResponse } from '../wire/mailbox.js'
import { MalformedFrameError } from './errors.js'

export { MailboxPrekey, MailboxRequest, MailboxResponse }

/** Protocol id of relay mailboxes (deposit, owner fetch/ack/subscribe, prekeys). */
export const MAILBOX_PROTOCOL = '/parley/mailbox/1.0.0'
/** Largest request frame a relay reads; a bigger prefix resets the stream. Envelopes have their own (smaller) limit. */
export const MAX_MAILBOX_REQUEST_BYTES = 1024 * 1024
/** Largest response frame a client reads (a fetch page is capped below this). */
export const MAX_MAILBOX_RESPONSE_BYTES = 4 * 1024 * 1024
/** Challenge nonce length. */
export const CHALLENGE_NONCE_BYTES = 32
/** Largest opaque prekey blob (ML-KEM-1024 public key 1568 B + signature and framing). */
export const MAX_PREKEY_BLOB_BYTES = 2048

const AUTH_DOMAIN = new TextEncoder().encode('parley/mailbox-auth/v1')

/** Stable error codes a relay sends back; clients match on these. */
export const MailboxErrorCode = {
  AUTH_REQUIRED: 'ERR_AUTH_REQUIRED',
  AUTH_FAILED: 'ERR_AUTH_FAILED',
  AUTH_REPLAY: 'ERR_AUTH_REPLAY',
  RECORD_REQUIRED: 'ERR_ACCOUNT_RECORD_REQUIRED',
  RECORD_INVALID: 'ERR_ACCOUNT_RECORD_INVALID',
  DEVICE_NOT_IN_RECORD: 'ERR_DEVICE_NOT_IN_RECORD',
  ACCOUNT_DELETED: 'ERR_ACCOUNT_DELETED',
  ENVELOPE_TOO_LARGE: 'ERR_ENVELOPE_TOO_LARGE',
  ENVELOPE_EXPIRED: 'ERR_ENVELOPE_EXPIRED',
  MAILBOX_FULL: 'ERR_MAILBOX_FULL',
  STORAGE_FULL: 'ERR_STORAGE_FULL',
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  TOO_MANY_STREAMS: 'ERR_TOO_MANY_STREAMS',
  MALFORMED_REQUEST: 'ERR_MALFORMED_REQUEST',
  PREKEY_LIMIT: 'ERR_PREKEY_LIMIT',
  NO_PREKEY: 'ERR_NO_PREKEY',
  SHUTTING_DOWN: 'ERR_SHUTTING_DOWN',
  /** The relay's database (a fleet's PostgreSQL) is out of reach: retry later, or another relay. */
  STORE_UNAVAILABLE: 'ERR_STORE_UNAVAILABLE',
  INTERNAL: 'ERR_INTERNAL'
} as const
export type MailboxErrorCode = typeof MailboxErrorCode[keyof typeof MailboxErrorCode]

function u64 (n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}

function u32 (n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

/**
 * What the device key signs to prove it owns a mailbox: domain-separated, bound to the relay's
 * PeerId (a proof for one relay is useless at another), the single-use nonce and the timestamp.
 *
 * @example
 * ```ts
 * const msg = mailboxAuthMessage(challenge.nonce, challenge.relayPeerId, challenge.timestamp, deviceKey.publicKey)
 * ```
 */
export function mailboxAuthMessage (nonce: Uint8Array, relayPeerId: Uint8Array, timestamp: bigint, deviceKey: Uint8Array): Uint8Array {
  const parts = [AUTH_DOMAIN, nonce, u32(relayPeerId.length), relayPeerId, u64(timestamp), deviceKey]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.length }
  return out
}

/**
 * Answers a relay challenge with the device key (Ed25519 seed + public key).
 *
 * @example
 * ```ts
 * const auth = signMailboxChallenge(challenge, device, accountRecordBytes)
 * ```
 */
export function signMailboxChallenge (
  challenge: MailboxResponse.Challenge,
  device: { secretKey: Uint8Array, publicKey: Uint8Array },
  accountRecord: Uint8Array = new Uint8Array(0)
): MailboxRequest.Authenticate {
  const message = mailboxAuthMessage(challenge.nonce, challenge.relayPeerId, challenge.timestamp, device.publicKey)
  return {
    deviceKey: device.publicKey,
    nonce: challenge.nonce,
    timestamp: challenge.timestamp,
    signature: ed25519.sign(message, device.secretKey),
    accountRecord
  }
}

/**
 * Answers a relay challenge through a {@link Signer} (the device key never leaves `device/`).
 *
 * @example
 * ```ts
 * const auth = await signMailboxChallengeWith(challenge, signer, accountRecordBytes, { signal })
 * ```
 */
export async function signMailboxChallengeWith (
  challenge: MailboxResponse.Challenge,
  signer: Signer,
  accountRecord: Uint8Array = new Uint8Array(0),
  options: AbortOptions = {}
): Promise<MailboxRequest.Authenticate> {
  const message = mailboxAuthMessage(challenge.nonce, challenge.relayPeerId, challenge.timestamp, signer.publicKey)
  return {
    deviceKey: signer.publicKey,
    nonce: challenge.nonce,
    timestamp: challenge.timestamp,
    signature: await signer.sign(message, options),
    accountRecord
  }
}

/** Checks a mailbox auth signature; never throws. */
export function verifyMailboxAuth (auth: MailboxRequest.Authenticate, relayPeerId: Uint8Array): boolean {
  if (auth.deviceKey.length !== 32 || auth.signature.length !== 64 || auth.nonce.length !== CHALLENGE_NONCE_BYTES) return false
  try {
    return ed25519.verify(auth.signature, mailboxAuthMessage(auth.nonce, relayPeerId, auth.timestamp, auth.deviceKey), auth.deviceKey)
  } catch {
    return false
  }
}

/** Decodes a request frame; throws {@link MalformedFrameError}. */
export function decodeMailboxRequest (frame: Uint8Array): MailboxRequest {
  try {
    return MailboxRequest.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Mailbox request does not decode: ${(err as Error).message}`)
  }
}

/** Decodes a response frame; throws {@link MalformedFrameError}. */
export function decodeMailboxResponse (frame: Uint8Array): MailboxResponse {
  try {
    return MailboxResponse.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Mailbox response does not decode: ${(err as Error).message}`)
  }
}
