import { readdir, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { RelayRefusal } from '../errors.js'
import { errorText } from '../logger.js'

/** How often a tripped store checks whether it can reopen (ms). */
export const DISK_RECOVERY_POLL_MS = 2_000
/** Free space wanted beyond the size of the write-ahead logs before a tripped store reopens (bytes). */
export const DISK_RECOVERY_MARGIN_BYTES = 1024 * 1024

/**
 * Why the store refuses: `full` (the disk said ENOSPC), `io` (another I/O error, or a reopen that
 * failed), `reopening` (closing and opening the database again: reads are refused too), `closed`
 * (the store was closed: `ERR_SHUTTING_DOWN`).
 */
export type GateState = 'ok' | 'full' | 'io' | 'reopening' | 'closed'

/** True for an error of the database's I/O (disk full, read-only file system, EIO…), not of its caller. */
export function isIoError (err: unknown): boolean {
  if (err == null || typeof err !== 'object') return false
  const { code, message } = err as { code?: unknown, message?: unknown }
  if (code === 'LEVEL_IO_ERROR' || code === 'ENOSPC' || code === 'EIO' || code === 'EROFS') return true
  return typeof message === 'string' && /^IO error|No space left on device/.test(message)
}

/** True for an error that says the disk is full (ENOSPC). */
export function isDiskFull (err: unknown): boolean {
  if (err == null || typeof err !== 'object') return false
  const { code, message } = err as { code?: unknown, message?: unknown }
  return code === 'ENOSPC' || (typeof message === 'string' && message.includes('No space left on device'))
}

/**
 * The mailbox database's write gate. LevelDB answers a write that hit a full disk with an I/O
 * error and may have left half a record at the end of its log: a later write appended after it
 * would be acknowledged and then dropped when the log is replayed, and an error in a background
 * compaction stays until the database is reopened. So, after the first I/O error of a write, no
 * write reaches this database instance again: every write is refused with a retryable
 * `ERR_STORAGE_FULL` (disk full) or `ERR_STORE_UNAVAILABLE` (other I/O errors, reopening) while
 * reads go on, until the store finds room again ({@link hasRoomToReopen}) and reopens it (the log
 * replayed up to the torn record, a fresh log started).
 */
export class WriteGate {
  private current: GateState = 'ok'
  private cause = ''
  /** Times the gate tripped since the store opened (tests, diagnostics). */
  trips = 0

  constructor (private readonly log: Logger, private readonly onTrip: () => void) {}

  get state (): GateState { return this.current }

  /** Why not ok (for `/healthz`), or undefined. */
  get error (): string | undefined {
    return this.current === 'ok' ? undefined : `${this.current === 'full' ? 'disk full' : this.current}${this.cause !== '' ? `: ${this.cause}` : ''}`
  }

  /** The refusal a request hears while the gate is not open. */
  refusal (): RelayRefusal {
    if (this.current === 'closed') return new RelayRefusal(MailboxErrorCode.SHUTTING_DOWN, 'Relay is shutting down (mailbox store closed)')
    return this.current === 'full'
      ? new RelayRefusal(MailboxErrorCode.STORAGE_FULL, 'Relay disk is full; try later or another relay')
      : new RelayRefusal(MailboxErrorCode.STORE_UNAVAILABLE, 'Relay storage is unavailable; try later or another relay')
  }

  /** Throws the refusal unless writes are allowed. */
  checkWrite (): void {
    if (this.current !== 'ok') throw this.refusal()
  }

  /** Throws the refusal while the database is being reopened or is closed (reads cannot run then). */
  checkRead (): void {
    if (this.current === 'reopening' || this.current === 'closed') throw this.refusal()
  }

  /** Runs one database write: refused while tripped; an I/O error trips the gate and is answered with the refusal. */
  async write<T> (fn: () => Promise<T>): Promise<T> {
    this.checkWrite()
    try {
      return await fn()
    } catch (err) {
      if (!isIoError(err)) throw err
      this.trip(err)
      throw this.refusal()
    }
  }

  /** Runs a request's database work; while the database is out of reach, any failure of it is the retryable refusal. */
  async guard<T> (kind: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
    if (kind === 'read') this.checkRead()
    else this.checkWrite()
    try {
      return await fn()
    } catch (err) {
      if (this.current !== 'ok' && this.current !== 'closed' && !(err instanceof RelayRefusal)) throw this.refusal()
      throw err
    }
  }

  /** Marks the database unwritable after `err` (once; later errors only keep it so). */
  trip (err: unknown): void {
    if (this.current === 'full' || this.current === 'io') return
    this.current = isDiskFull(err) ? 'full' : 'io'
    this.cause = errorText(err).slice(0, 200)
    this.trips++
    this.log.error('mailbox database write failed (%s): refusing writes until it is reopened', this.current === 'full' ? 'disk full' : 'I/O error')
    this.onTrip()
  }

  /** The store is closing or reopening its database. */
  set (state: 'reopening' | 'closed'): void {
    this.current = state
  }

  /** The database was reopened: writes are taken again. */
  reset (): void {
    this.current = 'ok'
    this.cause = ''
  }
}

/** Bytes of LevelDB write-ahead logs under `location` (what replaying them may write to tables). */
async function logBytes (location: string): Promise<number> {
  let total = 0
  for (const name of await readdir(location)) {
    if (name.endsWith('.log')) total += (await stat(join(location, name))).size
  }
  return total
}

/** Whether the file system holding `location` has room to reopen its database: its logs' size plus a margin. */
export async function hasRoomToReopen (location: string, margin = DISK_RECOVERY_MARGIN_BYTES): Promise<boolean> {
  const fs = await statfs(location)
  return fs.bavail * fs.bsize >= await logBytes(location) + margin
}
