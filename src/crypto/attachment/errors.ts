/**
 * Typed errors of the attachment format and transfer (codes in src/errors/codes.ts). A chunk
 * that fails authentication (flipped byte, wrong key, replayed or reordered counter) is the
 * crypto module's `DecryptError` (`ERR_DECRYPT`).
 */
import { ParleyError } from '../../errors.js'
import { ErrorCode } from '../../errors/codes.js'

/** A ciphertext piece does not match its SHA-256 (flipped byte, piece of another file, wrong length). */
export class AttachmentCorruptError extends ParleyError {
  static override name = 'AttachmentCorruptError'
  constructor (message = 'Attachment piece does not match its digest', options?: { cause?: unknown }) {
    super(message, ErrorCode.ATTACHMENT_CORRUPT, options)
  }
}

/** The ciphertext ended early, or went on after the last chunk. */
export class AttachmentTruncatedError extends ParleyError {
  static override name = 'AttachmentTruncatedError'
  constructor (message = 'Attachment truncated', options?: { cause?: unknown }) {
    super(message, ErrorCode.ATTACHMENT_TRUNCATED, options)
  }
}

/** A piece list (or the plaintext) does not match the digest the announcement names. */
export class AttachmentDigestError extends ParleyError {
  static override name = 'AttachmentDigestError'
  constructor (message = 'Attachment digest mismatch', options?: { cause?: unknown }) {
    super(message, ErrorCode.ATTACHMENT_DIGEST, options)
  }
}

/** An attachment (or an announcement field) is larger than allowed. */
export class AttachmentTooLargeError extends ParleyError {
  static override name = 'AttachmentTooLargeError'
  constructor (message = 'Attachment too large', options?: { cause?: unknown }) {
    super(message, ErrorCode.ATTACHMENT_TOO_LARGE, options)
  }
}

/** An announcement is malformed (wrong key or digest length, inconsistent sizes). */
export class AttachmentMalformedError extends ParleyError {
  static override name = 'AttachmentMalformedError'
  constructor (message = 'Malformed attachment announcement', options?: { cause?: unknown }) {
    super(message, ErrorCode.ATTACHMENT_MALFORMED, options)
  }
}
