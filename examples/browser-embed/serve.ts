/**
 * The browser-embed example: a relay on 127.0.0.1 and a static server (127.0.0.1 only) for
 * index.html and the bundles in dist/browser (`parley-chat.js`, `parley.js` and the library's
 * chunks under `chunks/`, which it loads itself), with the relay's WebSocket multiaddr written
 * into the page. Run: `npm run build:browser && npx tsx examples/browser-embed/serve.ts [port]`.
 * Tests import `startExampleServer` to get the same thing on ephemeral ports.
 */
import { once } from 'node:events'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import { jsonLogger, type RelayLogger } from '../../src/relay/logger.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8'
}

export interface ExampleServerOptions {
  /** HTTP port on 127.0.0.1. @default 0 (ephemeral) */
  port?: number
  /** Relay data directory. @default a temp dir removed on stop */
  relayDataDir?: string
  relayLogger?: RelayLogger
  /** Where the bundles are. @default dist/browser */
  bundleDir?: string
}

export interface ExampleServer {
  /** `http://127.0.0.1:<port>/` */
  url: string
  relay: Relay
  /** The relay's WebSocket multiaddr (what the page gets). */
  relayWs: string
  /** The relay's TCP multiaddr (for Node peers). */
  relayTcp: string
  relayDataDir: string
  stop: () => Promise<void>
}

/** Starts the relay and the page server; `stop()` closes both. */
export async function startExampleServer (options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const ownDir = options.relayDataDir == null ? await mkdtemp(join(tmpdir(), 'parley-example-relay-')) : undefined
  const relayDataDir = options.relayDataDir ?? ownDir as string
  const bundleDir = options.bundleDir ?? join(root, 'dist', 'browser')
  const relay = await startRelay({
    dataDir: relayDataDir,
    listen: ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/tcp/0'],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    provide: { enabled: false }
  }, { logger: options.relayLogger ?? jsonLogger({ level: 'info' }) })
  const addrs = relay.multiaddrs.map(String)
  const relayWs = addrs.find((a) => a.includes('/ws/')) as string
  const relayTcp = addrs.find((a) => !a.includes('/ws')) as string
  const page = (await readFile(join(here, 'index.html'), 'utf8')).replaceAll('{{RELAYS}}', relayWs)

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      res.end(body)
    }
    if (path === '/' || path === '/index.html') { send(200, page, TYPES['.html']); return }
    const file = /^\/(parley|parley-chat|chunks\/[\w-]+)\.js(\.map)?$/.exec(path)
    if (file == null) { send(404, 'not found'); return }
    readFile(join(bundleDir, path.slice(1))).then(
      (bytes) => { send(200, bytes, TYPES[extname(path)]) },
      () => { send(404, 'bundle missing: run npm run build:browser') }
    )
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening') // rejects on 'error'
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : 0
  let stopping: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/`,
    relay,
    relayWs,
    relayTcp,
    relayDataDir,
    stop: async () => {
      stopping ??= (async () => {
        server.closeAllConnections()
        const closed = once(server, 'close')
        server.close()
        await closed
        await relay.stop()
        if (ownDir != null) await rm(ownDir, { recursive: true, force: true })
      })()
      return stopping
    }
  }
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080)
  const example = await startExampleServer({ port, relayDataDir: process.env.PARLEY_RELAY_DATA })
  console.log(`relay:   ${example.relayWs}`)
  console.log(`example: ${example.url}  (open it in two browser profiles to chat)`)
  const stop = (): void => { example.stop().then(() => process.exit(0), () => process.exit(1)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
