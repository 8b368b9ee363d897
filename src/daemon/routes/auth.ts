import type { ApiDeps } from '../api-deps.js'
import { InvalidLoginCodeError } from '../errors.js'
import type { Route } from '../route.js'
import { object, requiredString } from '../validate.js'
import { readCookie } from '../cookies.js'

/** The web UI's login link for a fresh one-time code. */
export function loginUrl (deps: ApiDeps): string {
  return `${deps.baseUrl()}/#login=${deps.loginCodes.issue()}`
}

/** Login (one-time code → session cookie), logout and fresh login links. */
export function authRoutes (deps: ApiDeps): Route[] {
  return [{
    method: 'POST',
    path: '/v1/login',
    auth: false,
    summary: 'Trade a one-time login code for a web UI session cookie',
    handler: async ({ body, res }) => {
      const code = requiredString(object(await body()), 'code', 200)
      if (!deps.loginCodes.redeem(code)) throw new InvalidLoginCodeError()
      const session = deps.sessions.create()
      res.setHeader('set-cookie', `${deps.cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict`)
      return { address: deps.messenger.address }
    }
  }, {
    method: 'POST',
    path: '/v1/logout',
    summary: 'End the web UI session',
    handler: async ({ req, res }) => {
      const session = readCookie(req.headers.cookie, deps.cookieName)
      if (session != null) deps.sessions.delete(session)
      res.setHeader('set-cookie', `${deps.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
      return undefined
    }
  }, {
    method: 'POST',
    path: '/v1/login-links',
    status: 201,
    summary: 'Issue a new one-time web UI login link',
    handler: async () => ({ url: loginUrl(deps) })
  }]
}
