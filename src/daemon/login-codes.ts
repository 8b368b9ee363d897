import { randomBytes } from 'node:crypto'
import { secretsEqual } from './auth-token.js'

/** How long a login code stays valid. @default 10 minutes */
export const LOGIN_CODE_TTL_MS = 10 * 60_000

/** At most this many unused codes are kept; the oldest goes first. */
const MAX_CODES = 16

/**
 * One-time login codes for the web UI: the daemon prints a link carrying one; the page trades
 * it once for a session cookie. Codes expire and can be used only once.
 *
 * @example
 * ```ts
 * const codes = new LoginCodes()
 * const code = codes.issue()
 * codes.redeem(code) // true
 * codes.redeem(code) // false: already used
 * ```
 */
export class LoginCodes {
  private readonly codes = new Map<string, number>()
  private readonly ttlMs: number

  constructor (init: { ttlMs?: number } = {}) {
    this.ttlMs = init.ttlMs ?? LOGIN_CODE_TTL_MS
  }

  /** A new code, valid once within the TTL. */
  issue (): string {
    const code = randomBytes(18).toString('base64url')
    this.codes.set(code, Date.now() + this.ttlMs)
    while (this.codes.size > MAX_CODES) this.codes.delete(this.codes.keys().next().value as string)
    return code
  }

  /** True (and the code is spent) when `code` is a live code. Compared in constant time. */
  redeem (code: string): boolean {
    const now = Date.now()
    let match: string | undefined
    for (const [known, expires] of this.codes) {
      if (expires < now) { this.codes.delete(known); continue }
      if (secretsEqual(code, known)) match = known
    }
    if (match == null) return false
    this.codes.delete(match)
    return true
  }
}
