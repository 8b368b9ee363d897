/**
 * Ciphertext pieces and the blob digest (docs/PROTOCOL.md §11): the sealed chunks are cut into
 * pieces of 4; each piece has a SHA-256, and the blob is named by
 * `SHA-256("parley-blob-v1" ‖ u64be(cipherLength) ‖ digest_0 ‖ … ‖ digest_n-1)`, so a relay or
 * any second source checks what it stores and serves without the key. The manifest
 * (`u64be(cipherLength) ‖ digests`) travels with the blob; the announcement carries only the
 * blob digest.
 */
import { equalBytes, readU64, u64be, utf8 } from '../../bytes.js'
import { createSha256 } from '../stream-hash.js'
import { DIGEST_SIZE, PIECE_SIZE, pieceCountOf, pieceLengthOf } from './constants.js'
import { AttachmentCorruptError, AttachmentDigestError, AttachmentMalformedError, AttachmentTooLargeError } from './errors.js'
import type { Piece } from './types.js'

const DOMAIN = utf8('parley-blob-v1')

/** The list of piece digests of one blob, with its ciphertext length. */
export interface Manifest {
  cipherLength: number
  pieceDigests: Uint8Array[]
}

/** SHA-256 of one piece. */
export function pieceDigest (bytes: Uint8Array): Uint8Array {
  const h = createSha256()
  h.update(bytes)
  return h.digest()
}

/** The blob digest (blob id) of a manifest. */
export function blobDigest (manifest: Manifest): Uint8Array {
  const h = createSha256()
  h.update(DOMAIN)
  h.update(u64be(manifest.cipherLength))
  for (const d of manifest.pieceDigests) h.update(d)
  return h.digest()
}

/** Manifest bytes: u64be(cipherLength) ‖ the piece digests. */
export function encodeManifest (manifest: Manifest): Uint8Array {
  const out = new Uint8Array(8 + manifest.pieceDigests.length * DIGEST_SIZE)
  out.set(u64be(manifest.cipherLength), 0)
  manifest.pieceDigests.forEach((d, i) => out.set(d, 8 + i * DIGEST_SIZE))
  return out
}

/**
 * Decodes manifest bytes and checks them against `digest` (the announcement's, or the one a
 * deposit names) and the largest blob the caller accepts: `AttachmentTooLargeError`,
 * `AttachmentMalformedError` for inconsistent lengths, `AttachmentDigestError` for a list that
 * is not the named one.
 */
export function decodeManifest (bytes: Uint8Array, digest: Uint8Array, maxCipherLength: number): Manifest {
  if (bytes.length < 8) throw new AttachmentMalformedError('Manifest too short')
  const cipherLength = readU64(bytes, 0)
  if (cipherLength > maxCipherLength) throw new AttachmentTooLargeError(`Blob of ${cipherLength} bytes exceeds ${maxCipherLength}`)
  if (cipherLength < 1) throw new AttachmentMalformedError('Empty blob')
  const count = pieceCountOf(cipherLength)
  if (bytes.length !== 8 + count * DIGEST_SIZE) throw new AttachmentMalformedError(`Manifest of ${bytes.length} bytes for ${count} pieces`)
  const pieceDigests: Uint8Array[] = []
  for (let i = 0; i < count; i++) pieceDigests.push(bytes.slice(8 + i * DIGEST_SIZE, 8 + (i + 1) * DIGEST_SIZE))
  const manifest = { cipherLength, pieceDigests }
  if (!equalBytes(blobDigest(manifest), digest)) throw new AttachmentDigestError('Piece list does not match the blob digest')
  return manifest
}

/** Throws `AttachmentCorruptError` unless `bytes` is piece `index` of the manifest's blob. */
export function verifyPiece (manifest: Manifest, index: number, bytes: Uint8Array): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= manifest.pieceDigests.length) {
    throw new AttachmentCorruptError(`No piece ${index} in a blob of ${manifest.pieceDigests.length}`)
  }
  if (bytes.length !== pieceLengthOf(manifest.cipherLength, index)) {
    throw new AttachmentCorruptError(`Piece ${index} has ${bytes.length} bytes, expected ${pieceLengthOf(manifest.cipherLength, index)}`)
  }
  if (!equalBytes(pieceDigest(bytes), manifest.pieceDigests[index])) throw new AttachmentCorruptError(`Piece ${index} does not match its digest`)
}

/** Stage 3: groups sealed chunks into pieces (each a fresh array). */
export async function * toPieces (source: AsyncIterable<Uint8Array>): AsyncGenerator<Piece> {
  let piece = new Uint8Array(PIECE_SIZE)
  let fill = 0
  let index = 0
  for await (const sealed of source) {
    piece.set(sealed, fill)
    fill += sealed.length
    if (fill === PIECE_SIZE) {
      yield { index: index++, bytes: piece }
      piece = new Uint8Array(PIECE_SIZE)
      fill = 0
    }
  }
  if (fill > 0) yield { index, bytes: piece.subarray(0, fill) }
}
