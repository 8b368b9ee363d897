/**
 * Sealing and opening whole attachments as async-iterable stages (`it-pipe`): read → chunk →
 * seal → pieces on the way out; pieces → verify → open → plaintext on the way in. Memory stays
 * at a few chunks whatever the size.
 *
 * @example
 * ```ts
 * const sealer = new AttachmentSealer(nativeBackend)
 * for await (const piece of sealer.seal(fileStream)) await blobs.write(piece)
 * const { key, digest, size, sha256 } = sealer.summary
 * // … later, with the manifest fetched and checked against `digest`:
 * for await (const plain of openAttachment(nativeBackend, { key, size, sha256, manifest }, pieces)) out.write(plain)
 * ```
 */
import { pipe } from 'it-pipe'
import { equalBytes } from '../../bytes.js'
import type { CryptoBackend } from '../backend.js'
import { createSha256 } from '../stream-hash.js'
import { CHUNK_SIZE, chunkCount, cipherLengthOf, KEY_SIZE, paddedAttachmentLength, SEALED_CHUNK_SIZE } from './constants.js'
import { AttachmentDigestError, AttachmentMalformedError, AttachmentTruncatedError } from './errors.js'
import { blobDigest, type Manifest, pieceDigest, verifyPiece } from './pieces.js'
import { chunkPlaintext, openChunk, sealChunks } from './stream.js'
import { toPieces } from './pieces.js'
import type { Piece, SealedSummary } from './types.js'

/** Options of {@link AttachmentSealer}. */
export interface SealerOptions {
  /** The attachment key (32 bytes); a fresh random one from the backend when absent (vectors inject one). */
  key?: Uint8Array
  /** Largest plaintext accepted (default and ceiling: 2 GiB). */
  maxSize?: number
}

/** Seals one attachment; `summary` is available once `seal()` has been read to the end. */
export class AttachmentSealer {
  readonly key: Uint8Array
  private readonly backend: CryptoBackend
  private readonly maxSize: number | undefined
  private result: SealedSummary | undefined

  constructor (backend: CryptoBackend, options: SealerOptions = {}) {
    this.backend = backend
    this.key = options.key ?? backend.randomBytes(KEY_SIZE)
    if (this.key.length !== KEY_SIZE) throw new AttachmentMalformedError('Attachment key must be 32 bytes')
    this.maxSize = options.maxSize
  }

  /** The announcement's crypto fields; throws until `seal()` has finished. */
  get summary (): SealedSummary {
    if (this.result === undefined) throw new AttachmentTruncatedError('Attachment not sealed to the end yet')
    return this.result
  }

  /** Reads `source` once and yields the ciphertext pieces in order. */
  async * seal (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Piece> {
    const hash = createSha256()
    let size = -1
    const pieceDigests: Uint8Array[] = []
    let cipherLength = 0
    const pieces = pipe(
      source,
      chunkPlaintext({ maxSize: this.maxSize, hash, onSize: (n) => { size = n } }),
      sealChunks(this.backend, this.key),
      toPieces
    )
    for await (const piece of pieces) {
      pieceDigests.push(pieceDigest(piece.bytes))
      cipherLength += piece.bytes.length
      yield piece
    }
    const manifest = { cipherLength, pieceDigests }
    this.result = { key: this.key, size, sha256: hash.digest(), cipherLength, pieceDigests, digest: blobDigest(manifest) }
  }
}

/** What opening needs: the announcement's fields and the checked manifest. */
export interface OpenSpec {
  key: Uint8Array
  /** Plaintext bytes. */
  size: number
  /** SHA-256 of the plaintext. */
  sha256: Uint8Array
  /** The manifest, already checked against the announcement's digest (`decodeManifest`). */
  manifest: Manifest
}

/**
 * Verifies and opens the pieces of one attachment, in order from piece 0, and yields the
 * plaintext (without padding). Throws `AttachmentCorruptError` for a piece that does not match
 * its digest, `DecryptError` for a chunk sealed elsewhere (other key, other position, replayed
 * counter), `AttachmentTruncatedError` when the pieces stop early or go on, and
 * `AttachmentDigestError` when the plaintext's SHA-256 is not the announced one — so the last
 * chunk is only released after every check passed.
 */
export async function * openAttachment (backend: CryptoBackend, spec: OpenSpec, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { key, size, manifest } = spec
  if (key.length !== KEY_SIZE) throw new AttachmentMalformedError('Attachment key must be 32 bytes')
  if (manifest.cipherLength !== cipherLengthOf(size)) throw new AttachmentMalformedError(`Blob of ${manifest.cipherLength} bytes cannot hold ${size} plaintext bytes`)
  const padded = paddedAttachmentLength(size)
  const total = chunkCount(padded)
  const hash = createSha256()
  let counter = 0
  let index = 0
  let pending: Uint8Array | undefined
  for await (const bytes of pieces) {
    if (index >= manifest.pieceDigests.length) throw new AttachmentTruncatedError('Pieces after the last one')
    verifyPiece(manifest, index++, bytes)
    for (let offset = 0; offset < bytes.length; offset += SEALED_CHUNK_SIZE) {
      const last = counter === total - 1
      const plain = await openChunk(backend, key, counter, last, bytes.subarray(offset, offset + SEALED_CHUNK_SIZE))
      const start = counter * CHUNK_SIZE
      counter++
      const keep = plain.subarray(0, Math.max(0, Math.min(plain.length, size - start)))
      if (plain.subarray(keep.length).some((b) => b !== 0)) throw new AttachmentDigestError('Non-zero padding')
      hash.update(keep)
      if (pending !== undefined) yield pending
      pending = keep
    }
  }
  if (counter !== total) throw new AttachmentTruncatedError(`Attachment ended after ${counter} of ${total} chunks`)
  if (!equalBytes(hash.digest(), spec.sha256)) throw new AttachmentDigestError('Plaintext does not match the announced SHA-256')
  if (pending !== undefined && pending.length > 0) yield pending
}
