import { ParleyError } from '../errors.js'
import { ApiError } from './errors.js'

/** The JSON body of every error the API returns. */
export interface ErrorBody {
  error: { code: string, message: string }
}

/** HTTP status of ParleyError codes raised below the API (messenger, store, network). */
const STATUS_BY_CODE: Record<string, number> = {
  ERR_WRONG_PASSPHRASE: 401,
  ERR_NO_ACCOUNT: 409,
  ERR_NOT_STARTED: 503,
  ERR_ABORTED: 499,
  ERR_TIMEOUT: 504
}

/**
 * Picks the HTTP status of a domain error by its code's shape when it is not listed:
 * `…NOT_FOUND`/`…UNKNOWN…` → 404, `…INVALID…`/`…BAD…`/`…TOO_…` → 400, state conflicts → 409,
 * anything else a ParleyError → 422 (understood but refused).
 */
export function statusForCode (code: string): number {
  const listed = STATUS_BY_CODE[code]
  if (listed != null) return listed
  if (/NOT_FOUND|UNKNOWN/.test(code)) return 404
  if (/INVALID|BAD_|MALFORMED|TOO_|RANGE/.test(code)) return 400
  if (/EXISTS|CONFLICT|STATE|BLOCKED|CLOSED|NOT_ALLOWED|FORBIDDEN|SECRET|FORWARD/.test(code)) return 409
  if (/UNREACHABLE|NO_ROUTE|OFFLINE/.test(code)) return 502
  return 422
}

/** Turns anything thrown by a handler into an HTTP status and an `{ error }` body. */
export function errorResponse (err: unknown): { status: number, body: ErrorBody, headers: Record<string, string> } {
  if (err instanceof ApiError) {
    const headers: Record<string, string> = {}
    const allow = (err as { allow?: string[] }).allow
    if (allow != null) headers.allow = allow.join(', ')
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, headers }
  }
  if (err instanceof ParleyError) {
    return { status: statusForCode(err.code), body: { error: { code: err.code, message: err.message } }, headers: {} }
  }
  const name = (err as { name?: string } | undefined)?.name
  if (name === 'AbortError') return { status: 499, body: { error: { code: 'ERR_ABORTED', message: 'The request was aborted' } }, headers: {} }
  if (name === 'TimeoutError') return { status: 504, body: { error: { code: 'ERR_TIMEOUT', message: 'The operation timed out' } }, headers: {} }
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: 'Internal error' } }, headers: {} }
}
