/**
 * Checks of an attachment announcement (`Content.attachment`, src/wire/content.proto) before
 * anything is fetched: lengths of the key and digests, the size against the receiver's own
 * ceiling, and caps on every free-form field, so an oversize announcement is a typed error
 * rather than a large allocation or a huge download.
 */
import { utf8 } from '../../bytes.js'
import type { Attachment } from '../../wire/content.js'
import { DIGEST_SIZE, KEY_SIZE, MAX_ATTACHMENT_SIZE } from './constants.js'
import { AttachmentMalformedError, AttachmentTooLargeError } from './errors.js'

/** Caps on the announcement's descriptive fields. */
export const ANNOUNCEMENT_LIMITS = {
  nameBytes: 255,
  mimeBytes: 127,
  waveformSamples: 128,
  thumbnailBytes: 16 * 1024,
  /** 24 hours. */
  durationMs: 24 * 60 * 60 * 1000
} as const

/**
 * Throws `AttachmentMalformedError` / `AttachmentTooLargeError` unless `a` is a well-formed
 * announcement of at most `maxSize` plaintext bytes.
 */
export function validateAnnouncement (a: Attachment, maxSize = MAX_ATTACHMENT_SIZE): void {
  if (a.key.length !== KEY_SIZE) throw new AttachmentMalformedError('Attachment key must be 32 bytes')
  if (a.digest.length !== DIGEST_SIZE) throw new AttachmentMalformedError('Blob digest must be 32 bytes')
  if (a.sha256.length !== DIGEST_SIZE) throw new AttachmentMalformedError('Plaintext SHA-256 must be 32 bytes')
  const size = Number(a.size)
  if (!Number.isSafeInteger(size) || size > Math.min(maxSize, MAX_ATTACHMENT_SIZE)) {
    throw new AttachmentTooLargeError(`Attachment of ${a.size} bytes exceeds ${Math.min(maxSize, MAX_ATTACHMENT_SIZE)}`)
  }
  if (utf8(a.name).length > ANNOUNCEMENT_LIMITS.nameBytes) throw new AttachmentTooLargeError('Attachment name too long')
  if (/[/\\\0]/.test(a.name)) throw new AttachmentMalformedError('Attachment name holds a path separator')
  if (utf8(a.mime).length > ANNOUNCEMENT_LIMITS.mimeBytes) throw new AttachmentTooLargeError('MIME type too long')
  if (a.waveform.length > ANNOUNCEMENT_LIMITS.waveformSamples) throw new AttachmentTooLargeError('Waveform too long')
  if (a.thumbnail.length > ANNOUNCEMENT_LIMITS.thumbnailBytes) throw new AttachmentTooLargeError('Thumbnail too large')
  if (a.durationMs > ANNOUNCEMENT_LIMITS.durationMs) throw new AttachmentMalformedError('Voice note duration out of range')
}
