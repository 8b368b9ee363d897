import type { AbortOptions } from '@libp2p/interface'
import { readTokenFile } from '../daemon/auth-token.js'
import { readDiscoveryFile } from '../daemon/discovery-file.js'
import { ApiResponseError, NoDaemonError } from './errors.js'

/** Default time limit of one API call from the CLI. @default 120000 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000

/**
 * The CLI's client of the daemon's local API: finds the daemon through the home directory's
 * discovery and token files; a daemon that is not there (or not answering) is a NoDaemonError.
 *
 * @example
 * ```ts
 * const api = await ApiClient.forHome(home)
 * const { items } = await api.get<{ items: ContactView[] }>('/v1/contacts')
 * ```
 */
export class ApiClient {
  readonly url: string
  private readonly token: string
  private readonly home: string

  constructor (init: { url: string, token: string, home: string }) {
    this.url = init.url
    this.token = init.token
    this.home = init.home
  }

  /** A client for the daemon of `home`; throws NoDaemonError when none is announced. */
  static async forHome (home: string): Promise<ApiClient> {
    const info = await readDiscoveryFile(home)
    const token = await readTokenFile(home)
    if (info == null || token == null) throw new NoDaemonError(home)
    return new ApiClient({ url: info.url, token, home })
  }

  /** Sends a request; resolves with the parsed JSON (undefined for 204), throws ApiResponseError. */
  async request<T> (method: string, path: string, body?: unknown, options: AbortOptions = {}): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: options.signal ?? AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS)
    })
    const text = await res.text()
    const parsed = text !== '' ? JSON.parse(text) as unknown : undefined
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string, message?: string } } | undefined)?.error
      throw new ApiResponseError(error?.message ?? `HTTP ${res.status}`, error?.code ?? 'ERR_HTTP', res.status)
    }
    return parsed as T
  }

  async get<T> (path: string, options: AbortOptions = {}): Promise<T> { return this.request<T>('GET', path, undefined, options) }
  async post<T> (path: string, body: unknown = {}, options: AbortOptions = {}): Promise<T> { return this.request<T>('POST', path, body, options) }

  /** A raw authenticated fetch (event streams); connection failures become NoDaemonError. */
  async fetch (path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(this.url + path, { ...init, headers: { ...init.headers as Record<string, string>, authorization: `Bearer ${this.token}` } })
    } catch (err) {
      const name = (err as Error).name
      if (name === 'AbortError' || name === 'TimeoutError') throw err
      throw new NoDaemonError(this.home)
    }
  }
}

/** Path segment encoding for API paths. */
export function seg (value: string): string {
  return encodeURIComponent(value)
}
