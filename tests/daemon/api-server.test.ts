import { mkdtemp, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/daemon/api-server.js'
import { readTokenFile, secretsEqual, TOKEN_FILE, writeTokenFile } from '../../src/daemon/auth-token.js'
import { PublicBindRefusedError } from '../../src/daemon/errors.js'
import { defaultUiDir } from '../../src/daemon/static-files.js'
import { documentedRoutes, samplePath } from './openapi-check.js'
import { stubMessenger } from './stub-messenger.js'

// HTTP plumbing only, against a tiny stub messenger (see stub-messenger.ts).
describe('local API plumbing', () => {
  let api: ApiServer
  let home: string
  let token: string
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` })

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'parley-api-'))
    token = await writeTokenFile(home)
    api = await startApiServer({ messenger: stubMessenger(), token, port: 0, uiDir: defaultUiDir() })
  })
  afterAll(async () => {
    await api?.close()
    await rm(home, { recursive: true, force: true })
  })

  it('writes the token with mode 0600 and compares in constant time', async () => {
    expect((await stat(join(home, TOKEN_FILE))).mode & 0o777).toBe(0o600)
    expect(await readTokenFile(home)).toBe(token)
    expect(secretsEqual(token, token)).toBe(true)
    expect(secretsEqual(token.slice(1), token)).toBe(false)
    expect(secretsEqual('', '')).toBe(false)
  })

  it('documents exactly the routes the router serves (OpenAPI ↔ router)', async () => {
    const served = api.routes.map((r) => `${r.method} ${r.path}`).sort()
    expect(await documentedRoutes()).toEqual(served)
  })

  it('refuses every route but login without the token, and with a wrong one', async () => {
    for (const route of api.routes) {
      const res = await fetch(api.url + samplePath(route.path), { method: route.method, headers: { 'content-type': 'application/json' }, body: route.method === 'GET' ? undefined : '{}' })
      const body = await res.json() as { error: { code: string } }
      if (route.auth === false) {
        expect(res.status, route.path).not.toBe(401)
        continue
      }
      expect(res.status, `${route.method} ${route.path}`).toBe(401)
      expect(body.error.code).toBe('ERR_UNAUTHORIZED')
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
    const wrong = await fetch(`${api.url}/v1/account`, { headers: { authorization: `Bearer ${token}x` } })
    expect(wrong.status).toBe(401)
    const ok = await fetch(`${api.url}/v1/account`, { headers: auth() })
    expect(await ok.json()).toEqual({ address: 'alice-address', inviteLink: 'parley:alice-address' })
  })

  it('answers errors as { error: { code, message } } with stable codes and statuses', async () => {
    const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<[number, string]> => {
      const res = await fetch(api.url + path, { method, headers: { ...auth(), ...headers }, body })
      const json = await res.json() as { error: { code: string, message: string } }
      expect(typeof json.error.message).toBe('string')
      return [res.status, json.error.code]
    }
    const json = { 'content-type': 'application/json' }
    expect(await call('GET', '/v1/nope')).toEqual([404, 'ERR_ROUTE_NOT_FOUND'])
    expect(await call('GET', '/nope.html')).toEqual([404, 'ERR_ROUTE_NOT_FOUND'])
    expect(await call('PUT', '/v1/contacts')).toEqual([405, 'ERR_METHOD_NOT_ALLOWED'])
    expect(await call('POST', '/v1/contacts', '{"address": ', json)).toEqual([400, 'ERR_BAD_JSON'])
    expect(await call('POST', '/v1/contacts', '[1]', json)).toEqual([400, 'ERR_INVALID_REQUEST'])
    expect(await call('POST', '/v1/contacts', '{"name": "x"}', json)).toEqual([400, 'ERR_INVALID_REQUEST'])
    expect(await call('POST', '/v1/contacts', '{"address": "a"}', { 'content-type': 'text/plain' })).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE'])
    expect(await call('POST', '/v1/contacts', JSON.stringify({ address: 'a'.repeat(70_000) }), json)).toEqual([413, 'ERR_BODY_TOO_LARGE'])
    expect(await call('GET', '/v1/conversations/abc')).toEqual([404, 'ERR_CONVERSATION_NOT_FOUND'])
    expect(await call('GET', '/v1/contacts/nobody')).toEqual([404, 'ERR_NOT_FOUND'])
    expect(await call('GET', '/v1/conversations?limit=0')).toEqual([400, 'ERR_INVALID_REQUEST'])
    expect(await call('GET', '/v1/events?types=bogus')).toEqual([400, 'ERR_INVALID_REQUEST'])
    // an unexpected error: 500 without internals
    const [status, code] = await call('POST', '/v1/conversations/abc/messages', '{"text":"hi"}', json)
    expect([status, code]).toEqual([500, 'ERR_INTERNAL'])
    const added = await fetch(`${api.url}/v1/contacts`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"address":"carol","name":"Carol"}' })
    expect(added.status).toBe(201)
  })

  it('rejects a streamed body past the limit (no Content-Length) with 413', async () => {
    const url = new URL(`${api.url}/v1/contacts`)
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      const chunk = 'x'.repeat(16 * 1024)
      for (let i = 0; i < 5; i++) req.write(chunk)
      req.end()
    })
    expect(status).toBe(413)
  })

  it('refuses foreign Host and Origin headers (DNS rebinding, cross-site)', async () => {
    const url = new URL(api.url)
    const viaHost = await new Promise<number>((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: '/v1/account', headers: { ...auth(), host: `evil.example:${url.port}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject).end()
    })
    expect(viaHost).toBe(403)
    const viaOrigin = await fetch(`${api.url}/v1/account`, { headers: { ...auth(), origin: 'http://evil.example' } })
    expect(viaOrigin.status).toBe(403)
    expect((await viaOrigin.json() as { error: { code: string } }).error.code).toBe('ERR_FORBIDDEN_ORIGIN')
  })

  it('trades a one-time login code for an HttpOnly SameSite=Strict cookie, once', async () => {
    const code = new URL(api.loginUrl()).hash.replace('#login=', '')
    const login = async (): Promise<Response> => fetch(`${api.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })
    const first = await login()
    expect(first.status).toBe(200)
    const cookie = first.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(new RegExp(`^parley_session_${api.port}=[\\w-]+; Path=/; HttpOnly; SameSite=Strict$`))
    const second = await login()
    expect(second.status).toBe(401)
    expect((await second.json() as { error: { code: string } }).error.code).toBe('ERR_INVALID_LOGIN_CODE')
    const session = cookie.split(';')[0]
    expect((await fetch(`${api.url}/v1/account`, { headers: { cookie: session } })).status).toBe(200)
    expect((await fetch(`${api.url}/v1/logout`, { method: 'POST', headers: { cookie: session } })).status).toBe(204)
    expect((await fetch(`${api.url}/v1/account`, { headers: { cookie: session } })).status).toBe(401)
  })

  it('serves the web UI with a strict CSP and no token needed', async () => {
    const res = await fetch(`${api.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect((await fetch(`${api.url}/app.js`)).status).toBe(200)
    expect((await fetch(`${api.url}/../package.json`)).status).toBe(404)
  })

  it('aborts the messenger call when the client goes away', async () => {
    const probe: { statusCalled?: Promise<void>, statusAborted?: Promise<void> } = {}
    const other = await startApiServer({ messenger: stubMessenger(probe), token, port: 0 })
    try {
      const client = new AbortController()
      const pending = fetch(`${other.url}/v1/status`, { headers: auth(), signal: client.signal }).catch((err: Error) => err)
      await probe.statusCalled
      client.abort()
      expect(await pending).toBeInstanceOf(Error)
      await probe.statusAborted
    } finally {
      await other.close()
    }
  })

  it('refuses to bind a non-loopback address unless forced', async () => {
    await expect(startApiServer({ messenger: stubMessenger(), token, host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(PublicBindRefusedError)
  })

  it('ends event streams when the server closes, and aborts the request signal', async () => {
    const other = await startApiServer({ messenger: stubMessenger(), token, port: 0 })
    const res = await fetch(`${other.url}/v1/events`, { headers: auth() })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = res.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain('retry:')
    await other.close()
    let done = false
    while (!done) done = (await reader.read().catch(() => ({ done: true }))).done
    expect(done).toBe(true)
  })
})
