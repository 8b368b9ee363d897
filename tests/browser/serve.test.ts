/**
 * The example server (examples/browser-embed/serve.ts) as a developer runs it: compressed bundles
 * with cache headers, a favicon, an existing relay with `--relay`, every relay address printed,
 * and a clean stop when `npx tsx serve.ts` is killed by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startExampleServer, pickEncoding } from '../../examples/browser-embed/serve.js'
import { jsonLogger } from '../../src/relay/logger.js'
import { tempDir } from '../helpers/network.js'

const quiet = jsonLogger({ level: 'error', write: () => {} })
const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** True when something accepts TCP connections on 127.0.0.1:port. */
async function listening (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

/** Waits for the child's stdout to match; resolves with the whole output so far. */
async function outputMatching (child: ChildProcess, pattern: RegExp): Promise<string> {
  let out = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => { out += chunk.toString(); if (pattern.test(out)) { child.stdout?.off('data', onData); resolve(out) } }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => { reject(new Error(`exited ${code}: ${out}`)) })
  })
}

describe('example server', () => {
  it('serves bundles compressed per Accept-Encoding, with ETag and cache headers, and a favicon', async () => {
    const dir = await tempDir('parley-serve-')
    cleanups.push(async () => dir.cleanup())
    await mkdir(join(dir.path, 'chunks'), { recursive: true })
    const code = `export const x = ${JSON.stringify('parley '.repeat(2000))}\n`
    await writeFile(join(dir.path, 'parley-chat.js'), code)
    await writeFile(join(dir.path, 'chunks', 'element-qr-ABCD1234.js'), code)
    const example = await startExampleServer({ bundleDir: dir.path, relayLogger: quiet })
    cleanups.push(async () => example.stop())

    const br = await fetch(`${example.url}parley-chat.js`, { headers: { 'accept-encoding': 'gzip, br' } })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('cache-control')).toBe('no-cache')
    expect(br.headers.get('vary')).toBe('Accept-Encoding')
    const etag = br.headers.get('etag') as string
    expect(etag).toMatch(/^"[\w-]+"$/)
    // fetch decodes the body itself: what arrived is the file
    expect(await br.text()).toBe(code)
    const again = await fetch(`${example.url}parley-chat.js`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)

    const chunk = await fetch(`${example.url}chunks/element-qr-ABCD1234.js`, { headers: { 'accept-encoding': 'gzip' } })
    expect(chunk.headers.get('content-encoding')).toBe('gzip')
    expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(Number(chunk.headers.get('content-length'))).toBeLessThan(code.length / 10)
    await chunk.body?.cancel()

    expect(pickEncoding('gzip;q=0, br;q=0')).toBeUndefined()
    expect(pickEncoding('*')).toBe('br')

    for (const path of ['favicon.ico', 'favicon.svg']) {
      const icon = await fetch(example.url + path)
      expect(icon.status, path).toBe(200)
      expect(icon.headers.get('content-type')).toBe('image/svg+xml')
      await icon.body?.cancel()
    }
    expect(await (await fetch(example.url)).text()).toContain('rel="icon"')
  })

  it('`--relay` uses an existing relay: the page gets it, no second relay starts', async () => {
    const own = await startExampleServer({ relayLogger: quiet })
    cleanups.push(async () => own.stop())
    expect(own.relayAddresses.some((a) => a.includes('/ws/'))).toBe(true)
    expect(own.relayAddresses.some((a) => /\/tcp\/\d+\/p2p\//.test(a))).toBe(true)
    const joined = await startExampleServer({ relay: own.relayWs })
    cleanups.push(async () => joined.stop())
    expect(joined.relay).toBeUndefined()
    expect(await (await fetch(joined.url)).text()).toContain(`relays="${own.relayWs}"`)
    await expect(startExampleServer({ relay: own.relayTcp as string })).rejects.toThrow(/WebSocket/)
  })

  it('`npx tsx serve.ts` prints every address and, killed by its PID with SIGTERM, closes its port and its relay', async () => {
    const child = spawn('npx', ['tsx', 'examples/browser-embed/serve.ts', '--port', '0'], { cwd: join(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] })
    cleanups.push(async () => { if (child.exitCode == null) child.kill('SIGKILL') })
    const out = await outputMatching(child, /example: http:\/\/127\.0\.0\.1:(\d+)\//)
    const port = Number(/example: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1])
    const relayPorts = [...out.matchAll(/relay: +\/ip4\/127\.0\.0\.1\/tcp\/(\d+)(\/ws)?\/p2p\//g)].map((m) => ({ port: Number(m[1]), ws: m[2] != null }))
    expect(relayPorts.map((r) => r.ws).sort()).toEqual([false, true]) // tcp and ws, both printed
    expect(await listening(port)).toBe(true)
    for (const r of relayPorts) expect(await listening(r.port)).toBe(true)

    child.kill('SIGTERM') // npx's PID, as a launcher or a developer would
    await new Promise((resolve) => { if (child.exitCode != null || child.signalCode != null) resolve(undefined); else child.once('exit', resolve) })
    await expect.poll(async () => listening(port), { timeout: 10_000, interval: 100 }).toBe(false)
    for (const r of relayPorts) await expect.poll(async () => listening(r.port), { timeout: 10_000, interval: 100 }).toBe(false)
  })
})
