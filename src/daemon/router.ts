import { MethodNotAllowedError, RouteNotFoundError } from './errors.js'
import type { HttpMethod, Route } from './route.js'

interface CompiledRoute {
  route: Route
  pattern: RegExp
  names: string[]
}

/** A matched route with its decoded path parameters. */
export interface RouteMatch {
  route: Route
  params: Record<string, string>
}

function compile (route: Route): CompiledRoute {
  const names: string[] = []
  const source = route.path.split('/').map((segment) => {
    const param = /^\{([A-Za-z]+)\}$/.exec(segment)
    if (param == null) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    names.push(param[1])
    return '([^/]+)'
  }).join('/')
  return { route, pattern: new RegExp(`^${source}$`), names }
}

/**
 * Matches `METHOD /path` against a fixed list of routes. An unknown path throws
 * RouteNotFoundError (404); a known path with another method MethodNotAllowedError (405).
 *
 * @example
 * ```ts
 * const router = new Router([{ method: 'GET', path: '/v1/contacts/{address}', summary: '…', handler }])
 * router.match('GET', '/v1/contacts/abc').params.address // 'abc'
 * ```
 */
export class Router {
  private readonly compiled: CompiledRoute[]

  constructor (routes: Route[]) {
    this.compiled = routes.map(compile)
    const seen = new Set<string>()
    for (const { route } of this.compiled) {
      const key = `${route.method} ${route.path}`
      if (seen.has(key)) throw new Error(`Duplicate route ${key}`)
      seen.add(key)
    }
  }

  /** Every route, in declaration order. */
  get routes (): Route[] {
    return this.compiled.map((c) => c.route)
  }

  match (method: string, pathname: string): RouteMatch {
    const allowed: HttpMethod[] = []
    for (const { route, pattern, names } of this.compiled) {
      const found = pattern.exec(pathname)
      if (found == null) continue
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) { allowed.push(route.method); continue }
      const params: Record<string, string> = {}
      try {
        names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]) })
      } catch {
        throw new RouteNotFoundError('Malformed path parameter')
      }
      return { route, params }
    }
    if (allowed.length > 0) throw new MethodNotAllowedError(allowed)
    throw new RouteNotFoundError(`No route ${pathname}`)
  }
}
