import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './constants.js'
import { InvalidQueryError, InvalidRecordError } from './errors.js'
import type { SealedKv } from './sealed-kv.js'
import type { StoredValue } from './value-codec.js'
import type { WriteScope } from './write-scope.js'

/**
 * What a repository needs: the sealed database, a way to write inside a transaction (the
 * caller's, or a fresh auto-committed one), and reads that see that transaction's writes.
 */
export interface RepoContext {
  readonly skv: SealedKv
  write: <T>(fn: (scope: WriteScope) => Promise<T>, signal?: AbortSignal) => Promise<T>
  read: (key: Uint8Array) => Promise<StoredValue | undefined>
}

/** Validates a page size: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export function pageLimit (limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new InvalidQueryError(`page size must be 1..${MAX_PAGE_SIZE}`)
  return limit
}

export function requireTime (name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new InvalidRecordError(`${name} must be a non-negative integer`)
  return n
}

export function requireString (name: string, s: unknown): string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 1024) throw new InvalidRecordError(`${name} must be a non-empty string of at most 1024 characters`)
  return s
}

export function requireBytes (name: string, b: unknown): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new InvalidRecordError(`${name} must be a Uint8Array`)
  return b
}

/** Record types are plain data; this widens them for the codec. */
export function asStored<T extends object> (record: T): StoredValue {
  return record as unknown as StoredValue
}
