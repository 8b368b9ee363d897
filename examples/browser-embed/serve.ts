/**
 * The browser-embed example: a static server (127.0.0.1 only) for index.html and the bundles in
 * dist/browser (`parley-chat.js`, `parley.js` and the chunks under `chunks/`, which they load
 * themselves), with a relay's WebSocket multiaddr written into the page. It starts its own relay
 * on 127.0.0.1, or uses an existing one given with `--relay <multiaddr>` (e.g. `parley relay`'s
 * `/ws` address). Bundles go out compressed (brotli or gzip, per Accept-Encoding) with an ETag;
 * hashed chunks are cached for a year, the rest revalidated.
 *
 *   npm run build:browser && npx tsx examples/browser-embed/serve.ts [--port 8080] [--relay <ws multiaddr>]
 *
 * It stops cleanly on SIGTERM and SIGINT, and also when the launcher that started it (npx, tsx,
 * a shell) goes away. Tests import `startExampleServer` to get the same thing on ephemeral ports.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import { jsonLogger, type RelayLogger } from '../../src/relay/logger.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml'
}

/** The page's icon (also answered at /favicon.ico, so browsers log no 404). */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3451d1"/><path d="M8 9h16v11H14l-5 4v-4H8z" fill="#fff"/></svg>'

/** Hashed chunk names (`chunks/<name>-<HASH>.js`): their content never changes under one name. */
const HASHED = /^\/chunks\/[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/

export interface ExampleServerOptions {
  /** HTTP port on 127.0.0.1. @default 0 (ephemeral) */
  port?: number
  /** Use this relay (a `/ws` multiaddr with `/p2p/<id>`) instead of starting one. */
  relay?: string
  /** Relay data directory (own relay only). @default a temp dir removed on stop */
  relayDataDir?: string
  relayLogger?: RelayLogger
  /** Where the bundles are. @default dist/browser */
  bundleDir?: string
}

export interface ExampleServer {
  /** `http://127.0.0.1:<port>/` */
  url: string
  /** The relay this server started; undefined when it was given one (`relay` option). */
  relay: Relay | undefined
  /** The relay's WebSocket multiaddr (what the page gets). */
  relayWs: string
  /** The own relay's TCP multiaddr (for Node peers); undefined with an existing relay. */
  relayTcp: string | undefined
  /** Every multiaddr of the own relay (tcp and ws), or the one given. */
  relayAddresses: string[]
  relayDataDir: string | undefined
  stop: () => Promise<void>
}

/** A `--relay` value the page can use: WebSockets, with the relay's peer id. */
export function checkPageRelay (multiaddr: string): string {
  if (!/\/(ws|wss|tls\/ws)(\/|$)/.test(multiaddr) || !/\/p2p\/\w+$/.test(multiaddr)) {
    throw new Error(`--relay must be the relay's WebSocket address ending in /p2p/<id> (browsers cannot dial TCP): ${multiaddr}`)
  }
  return multiaddr
}

/** A file ready to send: its bytes raw and compressed, and its ETag. */
interface Prepared { raw: Buffer, br: Buffer, gzip: Buffer, etag: string, type: string }

function prepare (raw: Buffer, type: string): Prepared {
  return {
    raw,
    type,
    br: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }),
    gzip: gzipSync(raw, { level: 9 }),
    etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`
  }
}

/** brotli, gzip or none: the best encoding the request accepts (q=0 refuses). */
export function pickEncoding (accept: string | undefined): 'br' | 'gzip' | undefined {
  const offered = new Map<string, number>()
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((v) => v != null)
    offered.set(name, q != null ? Number(q) : 1)
  }
  const ok = (name: string): boolean => (offered.get(name) ?? offered.get('*') ?? 0) > 0
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : undefined
}

/** Starts (or joins) the relay and the page server; `stop()` closes both. */
export async function startExampleServer (options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const bundleDir = options.bundleDir ?? join(root, 'dist', 'browser')
  let relay: Relay | undefined
  let ownDir: string | undefined
  let relayWs: string
  let relayTcp: string | undefined
  let relayAddresses: string[]
  if (options.relay != null) {
    relayWs = checkPageRelay(options.relay)
    relayAddresses = [relayWs]
  } else {
    ownDir = options.relayDataDir == null ? await mkdtemp(join(tmpdir(), 'parley-example-relay-')) : undefined
    relay = await startRelay({
      dataDir: options.relayDataDir ?? ownDir as string,
      listen: ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false }
    }, { logger: options.relayLogger ?? jsonLogger({ level: 'info' }) })
    relayAddresses = relay.multiaddrs.map(String)
    relayWs = relayAddresses.find((a) => a.includes('/ws/')) as string
    relayTcp = relayAddresses.find((a) => !a.includes('/ws'))
  }
  const page = (await readFile(join(here, 'index.html'), 'utf8')).replaceAll('{{RELAYS}}', relayWs)
  const prepared = new Map<string, Prepared>([
    ['/', prepare(Buffer.from(page), TYPES['.html'])],
    ['/favicon.svg', prepare(Buffer.from(FAVICON), TYPES['.svg'])]
  ])
  prepared.set('/index.html', prepared.get('/') as Prepared)
  prepared.set('/favicon.ico', prepared.get('/favicon.svg') as Prepared)

  /** Bundles are read (and compressed) once, on first request. */
  const load = async (path: string): Promise<Prepared | undefined> => {
    const known = prepared.get(path)
    if (known != null) return known
    if (!/^\/(parley|parley-chat|chunks\/[\w-]+)\.js(\.map)?$/.test(path)) return undefined
    const bytes = await readFile(join(bundleDir, path.slice(1))).catch(() => undefined)
    if (bytes == null) return undefined
    const file = prepare(bytes, TYPES[extname(path)])
    prepared.set(path, file)
    return file
  }

  const respond = async (req: IncomingMessage, path: string): Promise<{ status: number, headers: Record<string, string>, body?: Buffer }> => {
    const file = await load(path)
    if (file == null) {
      const text = /\.js(\.map)?$/.test(path) ? 'bundle missing: run npm run build:browser' : 'not found'
      return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: Buffer.from(text) }
    }
    const headers: Record<string, string> = {
      'content-type': file.type,
      etag: file.etag,
      vary: 'Accept-Encoding',
      // hashed chunks never change under their name; the rest is revalidated (304 by ETag)
      'cache-control': HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache'
    }
    if (req.headers['if-none-match'] === file.etag) return { status: 304, headers }
    const encoding = pickEncoding(req.headers['accept-encoding'])
    if (encoding != null) headers['content-encoding'] = encoding
    return { status: 200, headers, body: encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.raw }
  }

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    respond(req, path).then(({ status, headers, body }) => {
      res.writeHead(status, { ...headers, 'x-content-type-options': 'nosniff', ...(body != null ? { 'content-length': String(body.length) } : {}) })
      res.end(req.method === 'HEAD' ? undefined : body)
    }, (err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`could not serve ${path}: ${(err as Error).message}`)
    })
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
    relayAddresses,
    relayDataDir: options.relayDataDir ?? ownDir,
    stop: async () => {
      stopping ??= (async () => {
        server.closeAllConnections()
        const closed = once(server, 'close')
        server.close()
        await closed
        await relay?.stop()
        if (ownDir != null) await rm(ownDir, { recursive: true, force: true })
      })()
      return stopping
    }
  }
}

/**
 * The processes this one was launched through (parent, grandparent, … below init), on Linux from
 * /proc; elsewhere just the parent. `npx tsx serve.ts` runs npx → sh → tsx → node: killing npx
 * by its PID signals npx only, and the rest would live on.
 */
async function launchers (): Promise<number[]> {
  const chain: number[] = []
  let pid = process.ppid
  while (pid > 1 && chain.length < 8) {
    chain.push(pid)
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
    if (stat == null) break
    // pid (comm) state ppid …: comm may contain spaces and parentheses
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  }
  return chain
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * Stops `example` on SIGTERM, SIGINT or SIGHUP, and when a process of `chain` (its launchers,
 * read before the server announced itself) exits.
 */
function stopWithLauncher (example: ExampleServer, chain: number[]): void {
  let exiting = false
  const stop = (why: string): void => {
    if (exiting) return
    exiting = true
    clearInterval(watch)
    console.log(`stopping (${why})`)
    example.stop().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => { stop(signal) })
  const watch = setInterval(() => {
    const gone = chain.find((pid) => !alive(pid))
    if (gone != null) stop(`launcher ${gone} exited`)
  }, 250)
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, relay: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
  })
  if (values.help === true) {
    console.log('usage: npx tsx examples/browser-embed/serve.ts [--port 8080] [--relay <relay /ws multiaddr>]')
    process.exit(0)
  }
  const port = Number(values.port ?? positionals[0] ?? process.env.PORT ?? 8080)
  // read now: once the address is printed, a launcher may be killed at any moment
  const chain = await launchers()
  const example = await startExampleServer({
    port,
    ...(values.relay != null ? { relay: values.relay } : {}),
    ...(process.env.PARLEY_RELAY_DATA != null ? { relayDataDir: process.env.PARLEY_RELAY_DATA } : {})
  })
  // signal handlers before the lines: whoever reads them may send SIGTERM at once
  stopWithLauncher(example, chain)
  for (const a of example.relayAddresses) console.log(`relay:   ${a}${example.relay == null ? '  (existing)' : ''}`)
  console.log(`example: ${example.url}  (open it in two browser profiles to chat)`)
}
