import type { ServerOptions } from 'node:http'
import {
  DEFAULT_API_HEADERS_TIMEOUT_MS, DEFAULT_API_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_API_MAX_CONNECTIONS,
  DEFAULT_API_REQUEST_TIMEOUT_MS, DEFAULT_API_TIMEOUT_CHECK_INTERVAL_MS
} from './constants.js'
import { InvalidApiLimitsError } from './errors.js'

/** Connection limits of the local API: any local process can connect, token or not. */
export interface ApiServerLimits {
  /** Simultaneous connections; past it new sockets are closed at once. @default 128 */
  maxConnections?: number
  /** Time for a connection to send its request headers (ms). @default 10000 */
  headersTimeoutMs?: number
  /** Time for a connection to send its whole request (ms); at least `headersTimeoutMs`. @default 30000 */
  requestTimeoutMs?: number
  /** An idle kept-alive connection is closed after this (ms). @default 5000 */
  keepAliveTimeoutMs?: number
  /** How often the header and request timeouts are checked (ms). @default 1000 */
  timeoutCheckIntervalMs?: number
}

/** The limits with every default filled in. */
export type ResolvedApiServerLimits = Required<ApiServerLimits>

function positive (name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidApiLimitsError(`${name} must be a positive integer, not ${value}`)
  return value
}

/**
 * Fills in the defaults and checks the limits.
 *
 * @throws {InvalidApiLimitsError} `ERR_INVALID_API_LIMITS`
 */
export function resolveApiServerLimits (limits: ApiServerLimits = {}): ResolvedApiServerLimits {
  const resolved: ResolvedApiServerLimits = {
    maxConnections: positive('maxConnections', limits.maxConnections ?? DEFAULT_API_MAX_CONNECTIONS),
    headersTimeoutMs: positive('headersTimeoutMs', limits.headersTimeoutMs ?? DEFAULT_API_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: positive('requestTimeoutMs', limits.requestTimeoutMs ?? DEFAULT_API_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: positive('keepAliveTimeoutMs', limits.keepAliveTimeoutMs ?? DEFAULT_API_KEEP_ALIVE_TIMEOUT_MS),
    timeoutCheckIntervalMs: positive('timeoutCheckIntervalMs', limits.timeoutCheckIntervalMs ?? DEFAULT_API_TIMEOUT_CHECK_INTERVAL_MS)
  }
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) throw new InvalidApiLimitsError('headersTimeoutMs must not exceed requestTimeoutMs')
  return resolved
}

/** The `http.createServer` options that carry the timeouts (`maxConnections` is set on the server). */
export function httpServerOptions (limits: ResolvedApiServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs
  }
}
