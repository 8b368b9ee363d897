import { get } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/daemon/api-server.js'
import type { ApiServerLimits } from '../../src/daemon/http-limits.js'
import { waitFor } from '../helpers/wait.js'
import { stubMessenger } from './stub-messenger.js'

const TOKEN = 'api-limits-token'
const CAP = 8

/** One honest request on a fresh connection: its status, or the socket error's code. */
async function honestRequest (api: ApiServer): Promise<number | string> {
  const url = new URL(`${api.url}/v1/account`)
  return new Promise((resolve) => {
    const req = get({ host: url.hostname, port: url.port, path: url.pathname, agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message) })
  })
}

/** Opens `count` raw sockets that never send a full request; resolves once all are connected. */
async function flood (api: ApiServer, count: number, firstBytes = ''): Promise<Socket[]> {
  const url = new URL(api.url)
  return Promise.all(Array.from({ length: count }, async () => new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.off('error', reject)
      socket.on('error', () => { /* reset by the server: expected */ })
      socket.resume() // read, so that the server closing it shows as a close here
      if (firstBytes !== '') socket.write(firstBytes)
      resolve(socket)
    })
    socket.once('error', reject)
  })))
}

const closed = async (socket: Socket): Promise<void> => {
  if (socket.closed) return
  await new Promise<void>((resolve) => { socket.once('close', () => { resolve() }) })
}

// Any local process can connect to the API, token or not: a flood of idle sockets must neither
// exhaust the daemon's file descriptors nor keep honest clients out for good.
describe('local API connection limits', () => {
  let api: ApiServer | undefined
  const sockets: Socket[] = []
  const start = async (limits: ApiServerLimits): Promise<ApiServer> => {
    api = await startApiServer({ messenger: stubMessenger(), token: TOKEN, port: 0, limits })
    return api
  }
  afterEach(async () => {
    sockets.splice(0).forEach((s) => { s.destroy() })
    await api?.close()
    api = undefined
  })

  it('refuses sockets past the cap, survives, and serves again once the flood closes', async () => {
    const server = await start({ maxConnections: CAP, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, timeoutCheckIntervalMs: 60_000 })
    expect(await honestRequest(server)).toBe(200)
    await waitFor(async () => (await server.connectionCount()) === 0, 5000, 'the first request to close')
    sockets.push(...await flood(server, CAP))
    await waitFor(async () => (await server.connectionCount()) === CAP, 5000, 'the flood to be accepted')
    // at the cap the server closes a new socket at once instead of holding it (and its fd)
    expect(String(await honestRequest(server))).toMatch(/^(ECONNRESET|EPIPE|socket hang up)$/)
    expect(await server.connectionCount()).toBe(CAP)
    sockets.splice(0).forEach((s) => { s.destroy() })
    await waitFor(async () => (await server.connectionCount()) === 0, 5000, 'the flood to close')
    expect(await honestRequest(server)).toBe(200)
  })

  it('closes idle sockets that send no (or half a) header after the header timeout; honest requests are then served', async () => {
    const server = await start({ maxConnections: CAP, headersTimeoutMs: 300, requestTimeoutMs: 300, timeoutCheckIntervalMs: 50 })
    const idle = await flood(server, CAP / 2)
    const slowloris = await flood(server, CAP / 2, 'GET /v1/account HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    sockets.push(...idle, ...slowloris)
    await waitFor(async () => (await server.connectionCount()) === CAP, 5000, 'the flood to be accepted')
    expect(String(await honestRequest(server))).toMatch(/^(ECONNRESET|EPIPE|socket hang up)$/)
    // the server, not the attacker, ends them (the test fails after 5 s otherwise)
    await Promise.race([
      Promise.all([...idle, ...slowloris].map(closed)),
      new Promise((_resolve, reject) => { setTimeout(() => { reject(new Error('idle sockets still open after 5 s')) }, 5000).unref() })
    ])
    await waitFor(async () => (await server.connectionCount()) === 0, 5000, 'the server to drop the idle sockets')
    expect(await honestRequest(server)).toBe(200)
  })

  it('refuses inconsistent limits with a typed error', async () => {
    await expect(start({ headersTimeoutMs: 2000, requestTimeoutMs: 1000 })).rejects.toMatchObject({ code: 'ERR_INVALID_API_LIMITS' })
    await expect(start({ maxConnections: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_API_LIMITS' })
  })
})
