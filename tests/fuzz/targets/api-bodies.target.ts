import * as fc from 'fast-check'
import { startApiServer, type ApiServer } from '../../../src/daemon/api-server.js'
import type { HomeMessenger } from '../../../src/node/messenger.js'
import { tempDir } from '../../helpers/network.js'
import { startTestMessenger } from '../../messenger/helpers.js'
import { invalidResult, type FuzzTarget } from '../target.js'

const TOKEN = 'fuzz-api-token'

/** Every route of the local API but the ones that end the account or stream forever. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/v1/account'], ['GET', '/v1/status'], ['GET', '/v1/quarantine'], ['POST', '/v1/quarantine/retry'],
  ['PATCH', '/v1/settings'], ['GET', '/v1/devices'], ['POST', '/v1/device-links'], ['POST', '/v1/login'],
  ['POST', '/v1/login-links'], ['GET', '/v1/contacts'], ['POST', '/v1/contacts'],
  ['GET', '/v1/contacts/{address}'], ['PATCH', '/v1/contacts/{address}'], ['DELETE', '/v1/contacts/{address}'],
  ['GET', '/v1/contacts/{address}/safety-number'], ['POST', '/v1/contacts/{address}/verify'],
  ['GET', '/v1/conversations'], ['GET', '/v1/conversations/{id}'], ['PATCH', '/v1/conversations/{id}'],
  ['POST', '/v1/conversations/{id}/read'], ['POST', '/v1/conversations/{id}/typing'], ['POST', '/v1/conversations/{id}/delete'],
  ['POST', '/v1/conversations/{id}/clear'], ['POST', '/v1/secret-chats'], ['POST', '/v1/conversations/{id}/accept'],
  ['POST', '/v1/conversations/{id}/close'], ['POST', '/v1/conversations/{id}/screenshot'],
  ['GET', '/v1/conversations/{id}/messages'], ['POST', '/v1/conversations/{id}/messages'],
  ['PATCH', '/v1/conversations/{id}/messages/{messageId}'], ['POST', '/v1/conversations/{id}/messages/{messageId}/reactions'],
  ['POST', '/v1/conversations/{id}/messages/{messageId}/forward'], ['PUT', '/v1/contacts'], ['GET', '/v1/nope']
]
const FIELDS = ['address', 'blocked', 'code', 'directOnly', 'emoji', 'forEveryone', 'ids', 'inactivityDays', 'name', 'readReceipts', 'replyTo', 'text', 'to', 'ttlMs', 'typing', 'wait', 'waitMs', '__proto__', 'constructor']
const fieldValue = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(-1, 0, 1, 30, 1e308, 2 ** 53 + 1, '', 'x'.repeat(5000), '🙂', [], ['a'], null, true))
const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant('') }
)
const param = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('..', '%00', '%2F', 'x'.repeat(300), '0123456789abcdef0123456789abcdef'))
const query = fc.oneof(fc.constant(''), fc.tuple(fc.oneof(fc.integer(), fc.string({ maxLength: 6 })), fc.string({ maxLength: 20 })).map(([limit, cursor]) => `?limit=${encodeURIComponent(String(limit))}&cursor=${encodeURIComponent(cursor)}`))

interface ApiInput { route: number, params: string[], query: string, body: string, json: boolean }

/**
 * The local HTTP API of a real messenger (offline, on loopback): arbitrary bodies, path
 * parameters and page queries on every route. Every answer is a 2xx/4xx (or 502/503/504 for the
 * network) with a JSON body, an error always `{ error: { code: "ERR_…" } }`; never a 500.
 */
const target: FuzzTarget<ApiInput> = {
  name: 'api-bodies',
  covers: 'the daemon API routes and their body/param/query validation (src/daemon/routes/, validate.ts)',
  input: fc.record({ route: fc.nat(ROUTES.length - 1), params: fc.array(param, { minLength: 2, maxLength: 2 }), query, body, json: fc.boolean() }),
  runs: 300,
  // PATCH /v1/settings publishes the record, bounded by SETTINGS_PUBLISH_TIMEOUT_MS (20 s) when offline
  runTimeoutMs: 25_000,
  open: async () => {
    const dir = await tempDir('parley-fuzz-api-')
    let messenger: HomeMessenger | undefined
    let api: ApiServer | undefined
    const close = async (): Promise<void> => {
      await api?.close()
      await messenger?.stop()
      await dir.cleanup()
    }
    try {
      messenger = await startTestMessenger(dir.path, 'a', [])
      api = await startApiServer({ messenger, token: TOKEN, port: 0 })
      const url = api.url
      const call = async (method: string, path: string, init: { body?: string, json?: boolean, signal?: AbortSignal } = {}): Promise<Response> => fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(init.body != null ? { 'content-type': init.json === false ? 'text/plain' : 'application/json' } : {}) },
        ...(init.body != null && method !== 'GET' ? { body: init.body } : {}),
        signal: init.signal
      })
      const statuses = new Map<number, number>()
      return {
        run: async ({ route, params, query, body, json }, options) => {
          const [method, pattern] = ROUTES[route]
          const path = pattern.replace('{address}', encodeURIComponent(params[0])).replace('{id}', encodeURIComponent(params[0])).replace('{messageId}', encodeURIComponent(params[1])) + query
          const res = await call(method, path, { body, json, signal: options.signal })
          const text = await res.text()
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          if (res.status >= 500 && ![502, 503, 504].includes(res.status)) throw invalidResult(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`)
          if (res.status === 204) return
          let parsed: unknown
          try { parsed = JSON.parse(text) } catch { throw invalidResult(`${method} ${path} answered ${res.status} with a non-JSON body`) }
          if (res.status >= 400) {
            const code = (parsed as { error?: { code?: unknown } } | null)?.error?.code
            if (typeof code !== 'string' || !/^ERR_[A-Z0-9_]+$/.test(code)) throw invalidResult(`${method} ${path} answered ${res.status} without an error code: ${text.slice(0, 200)}`)
          }
        },
        healthy: async (options) => {
          // the inputs reached both the handlers (2xx) and the validation (400)
          if (![...statuses.keys()].some((s) => s < 300) || statuses.get(400) == null) throw new Error(`statuses seen: ${JSON.stringify([...statuses])}`)
          const res = await call('GET', '/v1/account', options)
          if (res.status !== 200) throw new Error(`GET /v1/account answered ${res.status}`)
          const sent = await call('POST', '/v1/secret-chats', { body: JSON.stringify({ address: messenger!.address }), signal: options.signal })
          await sent.text()
          if (sent.status >= 500) throw new Error(`the API fails after the fuzz run: ${sent.status}`)
        },
        close
      }
    } catch (err) {
      await close()
      throw err
    }
  }
}
export default target
