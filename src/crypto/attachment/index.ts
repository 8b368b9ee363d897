/**
 * The attachment format (docs/PROTOCOL.md §11): pure, no I/O. STREAM-sealed 64 KiB chunks,
 * SHA-256'd ciphertext pieces named by one blob digest, padded sizes, announcement checks.
 */
export * from './constants.js'
export * from './errors.js'
export type { IncrementalHash, Piece, SealedSummary } from './types.js'
export { openChunk, sealChunk, streamNonce } from './stream.js'
export type { Manifest } from './pieces.js'
export { blobDigest, decodeManifest, encodeManifest, pieceDigest, verifyPiece } from './pieces.js'
export { AttachmentSealer, openAttachment } from './seal.js'
export type { OpenSpec, SealerOptions } from './seal.js'
export { ANNOUNCEMENT_LIMITS, validateAnnouncement } from './announcement.js'
