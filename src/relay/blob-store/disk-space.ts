/**
 * The blob store and the disk it writes to: a deposit is refused up front when the file system
 * has no room for it beside a reserve kept for the mailbox store, and a write that hits a full
 * disk anyway (concurrent uploads, other files) is answered with the same retryable refusal.
 */
import { statfs } from 'node:fs/promises'
import { ErrorCode, ParleyError } from '../../errors.js'
import { isDiskFull } from '../mailbox-store/write-gate.js'

/** Free bytes the blob store leaves on its file system by default (for the mailbox store, logs, the OS). */
export const DEFAULT_BLOB_DISK_RESERVE_BYTES = 16 * 1024 * 1024

/** The relay's disk has no room for this blob now: retryable, later or at another relay. */
export class BlobStorageFullError extends ParleyError {
  static override name = 'BlobStorageFullError'
  constructor (message = 'Relay disk is full; try later or another relay', options?: { cause?: unknown }) {
    super(message, ErrorCode.STORAGE_FULL, options)
  }
}

/** Whether the file system holding `dir` has `bytes` free beyond `reserve` (for an unprivileged process). */
export async function hasRoom (dir: string, bytes: number, reserve = DEFAULT_BLOB_DISK_RESERVE_BYTES): Promise<boolean> {
  const fs = await statfs(dir)
  return fs.bavail * fs.bsize >= bytes + reserve
}

/** `err` as the typed refusal when it says the disk is full; otherwise `err` itself. */
export function diskFullOr (err: unknown): unknown {
  return isDiskFull(err) ? new BlobStorageFullError(undefined, { cause: err }) : err
}

export { isDiskFull }
