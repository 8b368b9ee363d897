import type { MessengerApi } from '../messenger/types.js'
import type { LoginCodes } from './login-codes.js'
import type { UiSessions } from './sessions.js'

/** What the API routes need from the daemon. */
export interface ApiDeps {
  messenger: MessengerApi
  loginCodes: LoginCodes
  sessions: UiSessions
  /** Name of the UI session cookie (per port: cookies ignore ports). */
  cookieName: string
  /** The API's base URL (for login links). */
  baseUrl: () => string
  /** Parley's version string. */
  version: string
}
