/**
 * Safety numbers (after Signal's NumericFingerprintGenerator, version 0, 5200 iterations):
 * per account, h = SHA-512(0x0000 || key || key), then 5200 × h = SHA-512(h || key); the first
 * 30 bytes make six 5-digit groups (each 5-byte big-endian chunk mod 100000). The two 30-digit
 * halves are joined lower first, so both sides compute the same 60 digits.
 */
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, equalBytes } from '../bytes.js'
import { checkLength } from './check-length.js'

const ITERATIONS = 5200
const VERSION = new Uint8Array([0, 0])
/** First byte of the QR/byte form. */
export const SAFETY_NUMBER_QR_VERSION = 1

function fingerprint (accountKey: Uint8Array): Uint8Array {
  checkLength(accountKey, 32, 'Account key')
  let hash = sha512(concatBytes(VERSION, accountKey, accountKey))
  const buf = new Uint8Array(64 + 32)
  buf.set(accountKey, 64)
  for (let i = 0; i < ITERATIONS; i++) {
    buf.set(hash, 0)
    hash = sha512(buf)
  }
  return hash
}

function digits (hash: Uint8Array): string {
  let out = ''
  for (let i = 0; i < 30; i += 5) {
    const chunk = hash[i] * 2 ** 32 + ((hash[i + 1] << 24) >>> 0) + (hash[i + 2] << 16) + (hash[i + 3] << 8) + hash[i + 4]
    out += String(chunk % 100000).padStart(5, '0')
  }
  return out
}

/**
 * The 60-digit safety number of two accounts (Ed25519 account keys); symmetric.
 *
 * @example
 * ```ts
 * safetyNumber(myAccountKey, theirAccountKey) === safetyNumber(theirAccountKey, myAccountKey) // true
 * formatSafetyNumber(safetyNumber(a, b)) // '12345 67890 …' (12 groups)
 * ```
 */
export function safetyNumber (accountKeyA: Uint8Array, accountKeyB: Uint8Array): string {
  const a = digits(fingerprint(accountKeyA))
  const b = digits(fingerprint(accountKeyB))
  return a <= b ? a + b : b + a
}

/** Groups of five digits separated by spaces, for display. */
export function formatSafetyNumber (digits60: string): string {
  return digits60.match(/.{1,5}/g)?.join(' ') ?? ''
}

/**
 * Byte form for a QR code: version(1) || my fingerprint[0..32) || their fingerprint[0..32).
 *
 * @example
 * ```ts
 * const qr = safetyNumberQr(myAccountKey, theirAccountKey) // 65 bytes
 * verifySafetyNumberQr(qr, theirAccountKey, myAccountKey)  // true on the other phone
 * ```
 */
export function safetyNumberQr (localAccountKey: Uint8Array, remoteAccountKey: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([SAFETY_NUMBER_QR_VERSION]), fingerprint(localAccountKey).subarray(0, 32), fingerprint(remoteAccountKey).subarray(0, 32))
}

/** True when `scanned` (the other side's QR) matches our view of the two keys (constant time). */
export function verifySafetyNumberQr (scanned: Uint8Array, localAccountKey: Uint8Array, remoteAccountKey: Uint8Array): boolean {
  if (scanned.length !== 65 || scanned[0] !== SAFETY_NUMBER_QR_VERSION) return false
  return equalBytes(scanned, safetyNumberQr(remoteAccountKey, localAccountKey))
}
