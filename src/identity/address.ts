import { sha256 } from '@noble/hashes/sha2.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidAddressError } from './errors.js'

/** Version byte of the address format; bumps if the key type ever changes. */
export const ADDRESS_VERSION = 0x01
const ACCOUNT_KEY_LENGTH = 32
const CHECKSUM_LENGTH = 4
const CHECKSUM_DOMAIN = new TextEncoder().encode('parley/address/v1')
/** Longest address text accepted before decoding (bounds work on hostile input). */
export const MAX_ADDRESS_LENGTH = 64

function checksum (versionAndKey: Uint8Array): Uint8Array {
  const input = new Uint8Array(CHECKSUM_DOMAIN.length + versionAndKey.length)
  input.set(CHECKSUM_DOMAIN)
  input.set(versionAndKey, CHECKSUM_DOMAIN.length)
  return sha256(input).subarray(0, CHECKSUM_LENGTH)
}

/**
 * The text form of an account: base58btc of `version || ed25519 public key || checksum[4]`.
 *
 * @example
 * ```ts
 * const address = encodeAddress(accountPublicKey) // e.g. '2Nf...'
 * decodeAddress(address) // the same 32 bytes
 * ```
 */
export function encodeAddress (accountKey: Uint8Array): string {
  if (accountKey.length !== ACCOUNT_KEY_LENGTH) throw new InvalidAddressError('Account key must be 32 bytes')
  const body = new Uint8Array(1 + ACCOUNT_KEY_LENGTH + CHECKSUM_LENGTH)
  body[0] = ADDRESS_VERSION
  body.set(accountKey, 1)
  body.set(checksum(body.subarray(0, 1 + ACCOUNT_KEY_LENGTH)), 1 + ACCOUNT_KEY_LENGTH)
  return base58btc.baseEncode(body)
}

/** Parses an address; throws {@link InvalidAddressError} on any typo or foreign string. */
export function decodeAddress (address: string): Uint8Array {
  const text = address.trim()
  if (text.length === 0 || text.length > MAX_ADDRESS_LENGTH) throw new InvalidAddressError('Address has the wrong length')
  let body: Uint8Array
  try {
    body = base58btc.baseDecode(text)
  } catch {
    throw new InvalidAddressError('Address contains characters outside base58')
  }
  if (body.length !== 1 + ACCOUNT_KEY_LENGTH + CHECKSUM_LENGTH) throw new InvalidAddressError('Address has the wrong length')
  if (body[0] !== ADDRESS_VERSION) throw new InvalidAddressError(`Unknown address version ${body[0]}`)
  const expected = checksum(body.subarray(0, 1 + ACCOUNT_KEY_LENGTH))
  if (!equalBytes(expected, body.subarray(1 + ACCOUNT_KEY_LENGTH))) throw new InvalidAddressError('Address checksum mismatch (typo?)')
  return body.slice(1, 1 + ACCOUNT_KEY_LENGTH)
}

/** True when `address` parses. */
export function isAddress (address: string): boolean {
  try { decodeAddress(address); return true } catch { return false }
}
