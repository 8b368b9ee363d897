/**
 * Fetching one blob into this device's blob files from a list of holders, in order: the first
 * that answers gives the manifest, and every later one resumes after the last verified piece.
 * A holder that refuses, stalls or lies (wrong manifest, corrupt piece) costs only itself.
 * Shared by file messages, channel posts' files and history archives.
 */
import type { AbortOptions } from '@libp2p/interface'
import { PIECE_SIZE } from '../../crypto/attachment/constants.js'
import type { Manifest } from '../../crypto/attachment/pieces.js'
import type { BlobSource, BlobTransfer, LocalBlobs, LocalBlobWriter } from './components.js'

export interface BlobFetchTarget {
  /** The local blob's id (a message id, or another id naming the blob here). */
  id: string
  digest: Uint8Array
  /** The ciphertext length the announcement promises (a manifest of another length is refused). */
  cipherLength: number
}

export interface BlobFetchOptions extends AbortOptions {
  /** A piece was stored: `next` pieces are held, `bytes` of the ciphertext. */
  onPiece?: (next: number, bytes: number) => void
  /** A holder failed; the next is tried. */
  onSourceFailed?: (source: BlobSource, err: unknown) => void
  /** The error for a manifest of another length than promised. */
  wrongLength: (cipherLength: number) => Error
  /** The error when no holder had the blob (and none failed with an error of its own). */
  noSource: () => Error
}

/**
 * Fetches `target` from `sources` into `local` and returns the writer with every piece in, not
 * yet completed (the caller checks what it must, e.g. the plaintext's SHA-256, then completes).
 * On failure the writer is aborted (its verified pieces stay for a resume) and the last
 * holder's error, or `noSource()`, is thrown; an abort is thrown at once.
 */
export async function fetchBlob (transfer: BlobTransfer, local: LocalBlobs, sources: BlobSource[], target: BlobFetchTarget, options: BlobFetchOptions): Promise<{ manifest: Manifest, writer: LocalBlobWriter }> {
  const { signal } = options
  let manifest: Manifest | undefined
  let writer: LocalBlobWriter | undefined
  let next = 0
  let failure: unknown
  for (const source of sources) {
    signal?.throwIfAborted()
    try {
      if (manifest === undefined) {
        const fetched = await transfer.fetchManifest(source, target.digest, target.cipherLength, { signal })
        if (fetched.cipherLength !== target.cipherLength) throw options.wrongLength(fetched.cipherLength)
        manifest = fetched
        writer = await local.writer(target.id, target.digest, manifest, { signal })
        next = writer.have
      }
      let bytes = Math.min(target.cipherLength, next * PIECE_SIZE)
      for await (const piece of transfer.fetchPieces(source, target.digest, manifest, next, { signal })) {
        await writer?.write(piece.index, piece.bytes, { signal })
        next = piece.index + 1
        bytes = Math.min(target.cipherLength, bytes + piece.bytes.length)
        options.onPiece?.(next, bytes)
      }
      if (next >= manifest.pieceDigests.length) break
    } catch (err) {
      if (signal?.aborted === true) {
        await writer?.abort()
        throw err
      }
      failure = err
      options.onSourceFailed?.(source, err)
    }
  }
  if (manifest === undefined || writer === undefined || next < manifest.pieceDigests.length) {
    await writer?.abort()
    throw failure ?? options.noSource()
  }
  return { manifest, writer }
}
