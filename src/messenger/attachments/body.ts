/** What a message body keeps of an attachment, and its public view. */
import type { AttachmentState, AttachmentView } from '../types.js'

/** Stored (encrypted at rest with the message) for every attachment message. */
export interface StoredAttachment {
  /** Hex of the 32-byte attachment key. */
  key: string
  /** Hex blob digest. */
  digest: string
  size: number
  /** Hex SHA-256 of the plaintext. */
  sha256: string
  name: string
  mime: string
  durationMs?: number
  /** Voice notes: amplitude samples 0–255. */
  waveform?: number[]
  /** Pictures: base64 thumbnail. */
  thumbnail?: string
  width?: number
  height?: number
  state: AttachmentState
  /** Incoming: hex device key of the sending device (where the blob is fetched). */
  sourceDevice?: string
  /** Why the last download failed (a stable code). */
  error?: string
}

export function attachmentView (a: StoredAttachment): AttachmentView {
  return {
    name: a.name,
    size: a.size,
    mime: a.mime,
    sha256: a.sha256,
    state: a.state,
    ...(a.durationMs != null && a.durationMs > 0 ? { durationMs: a.durationMs } : {}),
    ...(a.waveform != null && a.waveform.length > 0 ? { waveform: a.waveform } : {}),
    ...(a.thumbnail != null && a.thumbnail !== '' ? { thumbnail: a.thumbnail, width: a.width, height: a.height } : {}),
    ...(a.error != null ? { error: a.error } : {})
  }
}
