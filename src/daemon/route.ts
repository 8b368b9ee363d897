import type { IncomingMessage, ServerResponse } from 'node:http'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** What a handler gets for one request. */
export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  /** Path parameters, decoded (`/v1/contacts/{address}` → `{ address }`). */
  params: Record<string, string>
  query: URLSearchParams
  /** Aborts when the client goes away or the daemon stops. */
  signal: AbortSignal
  /** Reads and parses the JSON body (size-limited); `{}` when empty. */
  body: () => Promise<unknown>
}

/** Returned by handlers that wrote the response themselves (event streams). */
export const HANDLED: unique symbol = Symbol('handled')

/** A handler's answer: a JSON value (200, or `status`), `undefined` (204) or HANDLED. */
export type RouteResult = unknown

/** One API route. `path` uses OpenAPI's template form, so the document and router compare 1:1. */
export interface Route {
  method: HttpMethod
  path: string
  /** Success status when the handler returns a value. @default 200 */
  status?: number
  /** Needs the bearer token (or the UI session cookie). @default true */
  auth?: boolean
  /** One line for logs and `--help`-style listings. */
  summary: string
  handler: (ctx: RouteContext) => Promise<RouteResult>
}
