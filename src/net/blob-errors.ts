/** Typed errors of `/parley/blob/1.0.0` (codes in src/errors/codes.ts). */
import { ErrorCode, ParleyError } from '../errors.js'

/** The peer does not hold the blob (or the pieces asked for). */
export class BlobNotFoundError extends ParleyError {
  static override name = 'BlobNotFoundError'
  constructor (message = 'Blob not found', options?: { cause?: unknown }) {
    super(message, ErrorCode.BLOB_NOT_FOUND, options)
  }
}

/** A blob is larger than the holder accepts (a relay's cap): refused before any piece is sent. */
export class BlobTooLargeError extends ParleyError {
  static override name = 'BlobTooLargeError'
  constructor (message = 'Blob too large', options?: { cause?: unknown }) {
    super(message, ErrorCode.BLOB_TOO_LARGE, options)
  }
}

/** A relay's byte quota (per mailbox or in total) has no room for the blob. */
export class BlobQuotaError extends ParleyError {
  static override name = 'BlobQuotaError'
  constructor (message = 'Blob quota exceeded', options?: { cause?: unknown }) {
    super(message, ErrorCode.BLOB_QUOTA, options)
  }
}

/** The peer refused the request; `code` carries its stated reason. */
export class BlobRefusedError extends ParleyError {
  static override name = 'BlobRefusedError'
  constructor (message: string, code: string) {
    super(message, code)
  }
}
