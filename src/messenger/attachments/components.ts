/**
 * What the attachments feature needs from the world (interfaces only; `node/` builds them):
 * this device's blob files (ciphertext pieces, never plaintext at rest), and the blob protocol
 * to fetch from the device that holds a file.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Manifest } from '../../crypto/attachment/pieces.js'
import type { Piece } from '../../crypto/attachment/types.js'

/** Writing one blob's pieces, in order, from where an earlier attempt stopped. */
export interface LocalBlobWriter {
  /** Verified pieces already held (from piece 0): a download resumes after them. */
  readonly have: number
  write: (index: number, bytes: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Every piece is in: the blob is complete (and served to others by digest). */
  complete: (options?: AbortOptions) => Promise<void>
  /** Stops writing; the pieces written stay for a resume. */
  abort: () => Promise<void>
}

/** Writing a blob being sealed here: its digest is known at the end. */
export interface SealedBlobWriter {
  write: (index: number, bytes: Uint8Array, options?: AbortOptions) => Promise<void>
  complete: (digest: Uint8Array, manifest: Manifest, options?: AbortOptions) => Promise<void>
  /** Sealing failed or was cancelled: nothing stays. */
  abort: () => Promise<void>
}

/** This device's blobs, one per message: ciphertext pieces and their manifest. */
export interface LocalBlobs {
  /** Opens (or resumes) the download of `messageId`'s blob; pieces already held are checked against `manifest` again. */
  writer: (messageId: string, digest: Uint8Array, manifest: Manifest, options?: AbortOptions) => Promise<LocalBlobWriter>
  /** A new blob for an outgoing `messageId`. */
  sealedWriter: (messageId: string, options?: AbortOptions) => Promise<SealedBlobWriter>
  /** The manifest of `messageId`'s complete blob. */
  manifest: (messageId: string, options?: AbortOptions) => Promise<Manifest | undefined>
  /** Piece `index` of `messageId`'s blob, as held (complete or not). */
  readPiece: (messageId: string, index: number, options?: AbortOptions) => Promise<Uint8Array | undefined>
  /** Removes the blob of `messageId` (its message was deleted or disappeared). */
  delete: (messageId: string, options?: AbortOptions) => Promise<void>
  /** Removes every blob (account wipe). */
  wipe: () => Promise<void>
  /** Remembers where `messageId`'s blob was deposited and its delete token (to delete it there with the message). */
  rememberDeposits: (messageId: string, deposits: BlobDeposits, options?: AbortOptions) => Promise<void>
  /** What {@link rememberDeposits} kept, if anything. */
  deposits: (messageId: string, options?: AbortOptions) => Promise<BlobDeposits | undefined>
  /** A file on this device's disk as a byte stream (`sendFile(…, path)`); absent where there is none. */
  readPath?: (path: string, options?: AbortOptions) => AsyncIterable<Uint8Array>
}

/** Relays holding deposits of one blob, and the token that deletes them. */
export interface BlobDeposits {
  digest: Uint8Array
  relays: string[]
  token: Uint8Array
}

/** A holder of blobs: a device (the PeerId bytes of its device entry) or a relay (its multiaddr with `/p2p/`). */
export type BlobSource = Uint8Array | string

/** A deposit at a relay (`/parley/blob/1.0.0` DEPOSIT). */
export interface RelayDeposit {
  digest: Uint8Array
  manifest: Manifest
  /** The device key whose quota it counts against (the depositing device's own). */
  mailbox: Uint8Array
  /** ms since epoch; 0: the relay's retention. */
  expiresAt: number
  /** SHA-256 of the delete token. */
  deleteHash: Uint8Array
}

/** Fetching blobs from devices and relays, depositing at relays (`/parley/blob/1.0.0`). */
export interface BlobTransfer {
  deposit: (relay: string, input: RelayDeposit, readPiece: (index: number) => Promise<Uint8Array>, options?: AbortOptions & { onProgress?: (held: number, total: number) => void }) => Promise<void>
  /** Deletes the deposits of a blob at a relay with its delete token. */
  deleteAt: (relay: string, digest: Uint8Array, token: Uint8Array, options?: AbortOptions) => Promise<void>
  fetchManifest: (peerId: BlobSource, digest: Uint8Array, maxCipherLength: number, options?: AbortOptions) => Promise<Manifest>
  fetchPieces: (peerId: BlobSource, digest: Uint8Array, manifest: Manifest, from: number, options?: AbortOptions) => AsyncIterable<Piece>
  /** Starts serving this device's complete blobs by digest. */
  start: () => Promise<void>
  stop: () => Promise<void>
}

export interface AttachmentComponents {
  local: LocalBlobs
  transfer: BlobTransfer
}
