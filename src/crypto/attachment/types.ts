/** Types shared by the attachment format modules (docs/PROTOCOL.md §11). */

/** An incremental SHA-256 (`crypto/stream-hash.ts`, swapped for browsers). */
export interface IncrementalHash {
  update: (data: Uint8Array) => void
  digest: () => Uint8Array
}

/** One ciphertext piece of an attachment: what the blob protocol and the relay store move and check. */
export interface Piece {
  /** 0-based piece index. */
  index: number
  /** The piece's ciphertext ({@link PIECE_SIZE} bytes, the last one shorter). */
  bytes: Uint8Array
}

/** What sealing produced, besides the pieces: the announcement's crypto fields. */
export interface SealedSummary {
  /** The random 32-byte attachment key. */
  key: Uint8Array
  /** Plaintext bytes. */
  size: number
  /** SHA-256 of the plaintext. */
  sha256: Uint8Array
  /** Total ciphertext bytes (padding and tags included). */
  cipherLength: number
  /** SHA-256 of each ciphertext piece, in order. */
  pieceDigests: Uint8Array[]
  /** The blob id: SHA-256 over the ciphertext length and the piece digests ({@link blobDigest}). */
  digest: Uint8Array
}
