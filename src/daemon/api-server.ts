import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { MessengerApi } from '../messenger/types.js'
import type { ApiDeps } from './api-deps.js'
import { secretsEqual } from './auth-token.js'
import { DEFAULT_API_HOST, DEFAULT_API_PORT, LOOPBACK_HOSTS } from './constants.js'
import { readCookie } from './cookies.js'
import { errorResponse } from './error-response.js'
import { BodyTooLargeError, DaemonStoppingError, ForbiddenOriginError, PublicBindRefusedError, RouteNotFoundError, UnauthorizedError } from './errors.js'
import { httpServerOptions, resolveApiServerLimits, type ApiServerLimits } from './http-limits.js'
import { LoginCodes } from './login-codes.js'
import { readJsonBody, DEFAULT_BODY_LIMIT } from './request-body.js'
import { HANDLED, type Route } from './route.js'
import { Router } from './router.js'
import { apiRoutes, type RouteHooks } from './routes/index.js'
import { loginUrl } from './routes/auth.js'
import { UiSessions } from './sessions.js'
import { loadStaticFiles, UI_HEADERS, type StaticFile } from './static-files.js'

export interface ApiServerInit extends RouteHooks {
  messenger: MessengerApi
  /** The bearer token every API request must present. */
  token: string
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default 7733 */
  port?: number
  /** Serve on a non-loopback address (exposes the API to the network!). @default false */
  allowPublic?: boolean
  /** Largest JSON body in bytes. @default 65536 */
  bodyLimit?: number
  /** Folder of the web UI; none served when omitted. */
  uiDir?: string
  /** Reported by `/v1/status`. @default '0.0.0' */
  version?: string
  /** Called with errors that became a 500 (they are not shown to clients), and server errors. */
  onInternalError?: (err: unknown, request: string) => void
  /** Connection cap and timeouts (defaults in constants.ts). */
  limits?: ApiServerLimits
  /** Logs under `parley:api` (refused connections, server errors). */
  logger?: ComponentLogger
}

/** A running local API. */
export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:7733`. */
  readonly url: string
  readonly port: number
  /** Every `/v1` route (for the OpenAPI check and listings). */
  readonly routes: Route[]
  /** A fresh one-time web UI login link. */
  loginUrl: () => string
  /** Connections open right now. */
  connectionCount: () => Promise<number>
  /** Ends event streams, refuses new requests and closes every connection. */
  close: () => Promise<void>
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff'
}

function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) { res.end(); return }
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, { ...JSON_HEADERS, ...headers, ...(text !== '' ? { 'content-length': Buffer.byteLength(text) } : {}) })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}

function bracket (host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/**
 * Starts the daemon's local HTTP API and web UI. Loopback only unless `allowPublic`; every `/v1`
 * route except `POST /v1/login` needs `Authorization: Bearer <token>` (or the UI's session
 * cookie); Host and Origin must be this server's own (no DNS rebinding, no cross-site calls).
 *
 * @example
 * ```ts
 * const api = await startApiServer({ messenger, token: await writeTokenFile(home), port: 0 })
 * console.log(api.url, api.loginUrl())
 * await api.close()
 * ```
 */
export async function startApiServer (init: ApiServerInit, options: AbortOptions = {}): Promise<ApiServer> {
  const host = init.host ?? DEFAULT_API_HOST
  if (!LOOPBACK_HOSTS.has(host) && !host.startsWith('127.') && init.allowPublic !== true) throw new PublicBindRefusedError(host)
  const limits = resolveApiServerLimits(init.limits)
  const log = init.logger?.forComponent('parley:api')
  const shutdown = new AbortController()
  const bodyLimit = init.bodyLimit ?? DEFAULT_BODY_LIMIT
  const files: Map<string, StaticFile> = init.uiDir != null ? await loadStaticFiles(init.uiDir) : new Map()
  let port = init.port ?? DEFAULT_API_PORT
  const baseUrl = (): string => `http://${bracket(host)}:${port}`
  const deps: ApiDeps = {
    messenger: init.messenger,
    loginCodes: new LoginCodes(),
    sessions: new UiSessions(),
    cookieName: `parley_session_${port}`,
    baseUrl,
    version: init.version ?? '0.0.0'
  }
  const router = new Router(apiRoutes(deps, init))
  const allowedHosts = (): Set<string> => new Set([...LOOPBACK_HOSTS, host].map((h) => `${bracket(h)}:${port}`))

  const checkOrigin = (req: IncomingMessage): void => {
    if (init.allowPublic === true) return
    const hostHeader = req.headers.host ?? ''
    if (!allowedHosts().has(hostHeader)) throw new ForbiddenOriginError(`Unexpected Host header "${hostHeader}"`)
    const origin = req.headers.origin
    if (origin != null && origin !== `http://${hostHeader}`) throw new ForbiddenOriginError(`Cross-origin request from ${origin} refused`)
  }

  const authenticate = (req: IncomingMessage): void => {
    const header = req.headers.authorization
    if (header != null) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match != null && secretsEqual(match[1], init.token)) return
      throw new UnauthorizedError('The bearer token is wrong')
    }
    const session = readCookie(req.headers.cookie, deps.cookieName)
    if (session != null && deps.sessions.has(session)) return
    throw new UnauthorizedError()
  }

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): void => {
    const file = files.get(pathname)
    if (file == null || (req.method !== 'GET' && req.method !== 'HEAD')) throw new RouteNotFoundError(`No route ${pathname}`)
    res.writeHead(200, { ...UI_HEADERS, 'x-content-type-options': 'nosniff', 'content-type': file.contentType, 'content-length': file.body.length })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const client = new AbortController()
    res.once('close', () => { if (!res.writableFinished) client.abort(new DOMException('The client went away', 'AbortError')) })
    const signal = AbortSignal.any([client.signal, shutdown.signal])
    try {
      if (shutdown.signal.aborted) throw new DaemonStoppingError()
      checkOrigin(req)
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (!url.pathname.startsWith('/v1/')) { serveStatic(req, res, url.pathname); return }
      const { route, params } = router.match(req.method ?? 'GET', url.pathname)
      if (route.auth !== false) authenticate(req)
      const result = await route.handler({
        req, res, params, query: url.searchParams, signal,
        body: async () => readJsonBody(req, { limit: bodyLimit, signal })
      })
      if (result === HANDLED) return
      sendJson(res, result === undefined ? 204 : (route.status ?? 200), result)
    } catch (err) {
      const { status, body, headers } = errorResponse(err)
      if (status === 500) init.onInternalError?.(err, `${req.method ?? ''} ${req.url ?? ''}`)
      if (status === 401) headers['www-authenticate'] = 'Bearer realm="parley"'
      if (err instanceof BodyTooLargeError) headers.connection = 'close'
      if (!res.writableEnded && !res.destroyed) sendJson(res, status, body, headers)
    }
  }

  // handle() answers every failure itself (errorResponse); it never rejects
  const server: Server = createServer(httpServerOptions(limits), (req, res) => { void handle(req, res) })
  // bounded file descriptors: past the cap Node closes new sockets at once ('drop')
  server.maxConnections = limits.maxConnections
  server.on('drop', (data) => { log?.trace('refused a connection from %s: %d connections open', data?.remoteAddress, limits.maxConnections) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  // after listening (e.g. accept failing with EMFILE): report it, never crash the daemon
  server.on('error', (err) => {
    log?.error('API server error - %e', err)
    init.onInternalError?.(err, 'API server')
  })
  port = (server.address() as AddressInfo).port
  deps.cookieName = `parley_session_${port}`

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      shutdown.abort(new DaemonStoppingError())
      server.close(() => { resolve() })
      server.closeIdleConnections()
      setImmediate(() => { server.closeAllConnections() })
    })
    return closing
  }
  options.signal?.addEventListener('abort', () => { void close() }, { once: true })

  return {
    get url () { return baseUrl() },
    port,
    routes: router.routes,
    loginUrl: () => loginUrl(deps),
    connectionCount: async () => new Promise<number>((resolve, reject) => { server.getConnections((err, count) => { if (err != null) reject(err); else resolve(count) }) }),
    close
  }
}
