import { randomBytes } from 'node:crypto'
import { secretsEqual } from './auth-token.js'

/** At most this many web UI sessions live at once; the oldest is dropped first. */
const MAX_SESSIONS = 32

/**
 * Web UI sessions: random secrets handed out as an HttpOnly SameSite=Strict cookie in exchange
 * for a one-time login code. They live as long as the daemon process.
 */
export class UiSessions {
  private readonly sessions = new Set<string>()

  /** A new session secret. */
  create (): string {
    const id = randomBytes(32).toString('base64url')
    this.sessions.add(id)
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.values().next().value as string)
    return id
  }

  /** True when `id` is a live session (constant-time per comparison). */
  has (id: string): boolean {
    let found = false
    for (const known of this.sessions) if (secretsEqual(id, known)) found = true
    return found
  }

  delete (id: string): void {
    for (const known of this.sessions) if (secretsEqual(id, known)) this.sessions.delete(known)
  }
}
