/**
 * The attachment format's sizes (docs/PROTOCOL.md §11): 64 KiB plaintext chunks, each sealed
 * with ChaCha20-Poly1305 (16-byte tag) under the STREAM nonce; ciphertext pieces of 4 sealed
 * chunks, each with a SHA-256; plaintext padded to size buckets.
 */
import { AttachmentTooLargeError } from './errors.js'

/** Plaintext bytes per chunk. */
export const CHUNK_SIZE = 64 * 1024
/** ChaCha20-Poly1305 tag bytes. */
export const TAG_SIZE = 16
/** Ciphertext bytes per full chunk. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
/** Sealed chunks per piece. */
export const PIECE_CHUNKS = 4
/** Ciphertext bytes per full piece (262 208). */
export const PIECE_SIZE = SEALED_CHUNK_SIZE * PIECE_CHUNKS
/** Attachment key bytes. */
export const KEY_SIZE = 32
/** SHA-256 bytes. */
export const DIGEST_SIZE = 32
/** The format's own ceiling on one attachment's plaintext: 2 GiB (the direct limit). */
export const MAX_ATTACHMENT_SIZE = 2 * 1024 * 1024 * 1024
/** Below this, padded sizes are multiples of {@link SMALL_BUCKET}. */
const SMALL_LIMIT = 8192
const SMALL_BUCKET = 512

/**
 * Padded plaintext length of an `n`-byte attachment: multiples of 512 bytes (at least 512) up
 * to 8 KiB; above, 32 buckets per power of two (step = 2^(floor(log2 n) − 5)), so padding adds
 * less than 1/32 (3.2 %).
 *
 * @example
 * ```ts
 * paddedAttachmentLength(0)       // 512
 * paddedAttachmentLength(10_000)  // 10 240
 * paddedAttachmentLength(1 << 20) // 1 048 576
 * ```
 */
export function paddedAttachmentLength (n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new AttachmentTooLargeError(`Bad attachment size ${n}`)
  if (n <= SMALL_LIMIT) return Math.max(SMALL_BUCKET, Math.ceil(n / SMALL_BUCKET) * SMALL_BUCKET)
  const step = 2 ** (Math.floor(Math.log2(n)) - 5)
  return Math.ceil(n / step) * step
}

/** Number of sealed chunks for a padded plaintext of `padded` bytes (at least 1). */
export function chunkCount (padded: number): number {
  return Math.max(1, Math.ceil(padded / CHUNK_SIZE))
}

/** Total ciphertext bytes of an `n`-byte attachment. */
export function cipherLengthOf (n: number): number {
  const padded = paddedAttachmentLength(n)
  return padded + chunkCount(padded) * TAG_SIZE
}

/** Number of pieces of `cipherLength` ciphertext bytes. */
export function pieceCountOf (cipherLength: number): number {
  return Math.ceil(cipherLength / PIECE_SIZE)
}

/** Length of piece `index` of a blob of `cipherLength` bytes. */
export function pieceLengthOf (cipherLength: number, index: number): number {
  return Math.min(PIECE_SIZE, cipherLength - index * PIECE_SIZE)
}
