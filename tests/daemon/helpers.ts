/**
 * Child-process daemons, relays and CLI runs for the daemon and CLI tests. Every process is
 * `process.execPath bin/parley.js …` (tsx registered in-process, so the pid is the daemon's own).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { readSse, type SseEvent } from '../../src/cli/sse-client.js'

const root = new URL('../../', import.meta.url).pathname
const bin = join(root, 'bin/parley.js')
export const PASSPHRASE = 'daemon test passphrase'

/** Environment of every child: cheap scrypt, loopback test network, the passphrase. */
export function childEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PARLEY_TEST_KDF: '1', PARLEY_TEST_NETWORK: '1', PARLEY_PASSPHRASE: PASSPHRASE, PARLEY_HOME: '', PARLEY_BOOTSTRAP: '', PARLEY_RELAYS: '', ...extra }
}

export interface CliResult { code: number, stdout: string, stderr: string }

/** Runs `parley …args` to completion. */
export async function runCli (args: string[], options: { env?: Record<string, string>, input?: string, timeoutMs?: number, cwd?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 60_000)
  const code = await new Promise<number>((resolve) => { child.once('exit', (c, signal) => { resolve(c ?? (signal != null ? 128 : 1)) }) })
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** A long-running child whose stdout lines we watch. */
export interface Watched {
  child: ChildProcess
  lines: string[]
  stderr: () => string
  /** Resolves with the first line (past or future) matching `test`. */
  line: (test: RegExp, timeoutMs?: number) => Promise<string>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>
}

export function watch (child: ChildProcess, what: string): Watched {
  const lines: string[] = []
  const waiters: Array<{ test: RegExp, resolve: (l: string) => void }> = []
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += String(d) })
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l)
    for (const w of [...waiters]) if (w.test.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l) }
  })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  return {
    child,
    lines,
    stderr: () => stderr,
    line: async (test, timeoutMs = 40_000) => {
      const found = lines.find((l) => test.test(l))
      if (found != null) return found
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`${what}: no line ${test} in ${timeoutMs} ms; stdout: ${lines.join('\n')}\nstderr: ${stderr}`)) }, timeoutMs)
        void exited.then((code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}) before ${test}: ${stderr}`)) })
        waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l) } })
      })
    },
    stop: async (graceMs = 10_000) => {
      if (child.exitCode != null || child.signalCode != null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** A CLI process we talk to on stdin (e.g. `parley chat`). */
export function spawnCli (args: string[], options: { env?: Record<string, string>, cwd?: string } = {}): Watched & { write: (text: string) => void, exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
  const exit = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  return { ...watch(child, `parley ${args[0]}`), write: (text) => { child.stdin.write(text) }, exit }
}

/**
 * Runs a `parley` command under a real pseudo-terminal (util-linux `script`), as a person in a
 * terminal would: stdin/stdout are a tty. Output is returned with ANSI sequences and CRs removed.
 */
export function spawnCliInPty (args: string[]): { write: (text: string) => void, waitFor: (re: RegExp, timeoutMs?: number) => Promise<string>, exit: Promise<number | null>, kill: () => void } {
  const quote = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`
  const command = [process.execPath, bin, ...args].map(quote).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, env: { ...childEnv(), TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] })
  let screen = ''
  // eslint-disable-next-line no-control-regex
  const clean = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
  child.stdout.on('data', (d) => { screen += clean(String(d)) })
  const exit = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  return {
    write: (text) => { child.stdin.write(text) },
    exit,
    kill: () => { child.kill('SIGKILL') },
    waitFor: async (re, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const m = re.exec(screen)
        if (m != null) return m[0]
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`pty: no ${String(re)} in: ${screen.slice(-1500)}`)
    }
  }
}

/** A running daemon started by `parley daemon`, with what it printed. */
export interface TestDaemon extends Watched {
  home: string
  address: string
  apiUrl: string
  loginUrl: string
  multiaddr: string
}

const apiTokens = new Map<string, string>()

/** A daemon's API bearer token (read once from its home's `api-token`). */
export async function apiToken (d: TestDaemon): Promise<string> {
  let token = apiTokens.get(d.apiUrl)
  if (token === undefined) {
    token = (await readFile(join(d.home, 'api-token'), 'utf8')).trim()
    apiTokens.set(d.apiUrl, token)
  }
  return token
}

/** One authenticated JSON call to a daemon's API; throws with the status and body unless 2xx. */
export async function callApi<T> (d: TestDaemon, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(d.apiUrl + path, { method, headers: { authorization: `Bearer ${await apiToken(d)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return (text !== '' ? JSON.parse(text) : undefined) as T
}

/** Starts `parley daemon` on loopback (API on a free port) and waits for `ready`. */
export async function startDaemon (home: string, args: string[] = []): Promise<TestDaemon> {
  const child = spawn(process.execPath, [bin, 'daemon', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', ...args], { cwd: root, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const w = watch(child, `daemon ${home}`)
  try {
    await w.line(/^ready$/)
  } catch (err) {
    await w.stop(1000)
    throw err
  }
  const field = (name: string): string => (w.lines.find((l) => l.startsWith(`${name}:`)) ?? '').slice(name.length + 1).trim().split(/\s+/)[0]
  return { ...w, home, address: field('account'), apiUrl: field('api'), loginUrl: field('ui'), multiaddr: field('listen') }
}

/** Starts `parley relay --config …` on loopback; resolves with its first multiaddr. */
export async function startRelay (dir: string, extra: Record<string, unknown> = {}): Promise<Watched & { multiaddr: string }> {
  const config = join(dir, 'relay.json')
  await writeFile(config, JSON.stringify({ dataDir: join(dir, 'relay-data'), listen: ['/ip4/127.0.0.1/tcp/0'], metrics: { enabled: false }, provide: { enabled: false }, manyPeersPerAddress: true, log: { level: 'warn' }, ...extra }))
  const child = spawn(process.execPath, [bin, 'relay', '--config', config], { cwd: root, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const w = watch(child, 'relay')
  return { ...w, multiaddr: await w.line(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//) }
}

/** An authenticated SSE subscription to a daemon's `/v1/events`; `ready` already received. */
export interface EventTap {
  next: (event: string, filter?: (data: any) => boolean, timeoutMs?: number) => Promise<any>
  close: () => void
}

export async function tapEvents (apiUrl: string, token: string): Promise<EventTap> {
  const abort = new AbortController()
  const res = await fetch(`${apiUrl}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
  if (!res.ok || res.body == null) throw new Error(`events: HTTP ${res.status}`)
  const seen: SseEvent[] = []
  const waiters: Array<{ event: string, filter: (d: any) => boolean, resolve: (d: any) => void }> = []
  const stream = readSse(res.body)
  const first = await stream.next()
  if (first.value?.event !== 'ready') throw new Error('events: no ready event first')
  void (async () => {
    for await (const e of stream) {
      const w = waiters.find((x) => x.event === e.event && x.filter(e.data))
      if (w != null) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e.data) } else seen.push(e)
    }
  })().catch(() => {})
  return {
    next: async (event, filter = () => true, timeoutMs = 30_000) => {
      const i = seen.findIndex((e) => e.event === event && filter(e.data))
      if (i >= 0) return seen.splice(i, 1)[0].data
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no ${event} event in ${timeoutMs} ms`)) }, timeoutMs)
        waiters.push({ event, filter, resolve: (d) => { clearTimeout(timer); resolve(d) } })
      })
    },
    close: () => { abort.abort() }
  }
}
