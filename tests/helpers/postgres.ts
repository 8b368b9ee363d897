import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { sqlOn, type Sql } from '../../src/relay/pg-store/sql.js'

/** `PARLEY_POSTGRES_BIN` (set by `npm test`'s preflight), else where Debian's `postgresql` package puts the newest version's binaries. */
export function postgresBinDir (): string {
  const pinned = process.env.PARLEY_POSTGRES_BIN
  if (pinned != null && pinned !== '') return pinned
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).map(Number).filter((v) => v >= 15).sort((a, b) => b - a) : []
  if (versions.length === 0) throw new Error('PostgreSQL 15 or newer is not installed (Debian: apt-get install postgresql; npm test installs it when root)')
  return join(root, String(versions[0]), 'bin')
}

/** A free TCP port on 127.0.0.1 (closed again: the caller binds it). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => { resolve(port) })
    })
  })
}

/** A PostgreSQL server of the test's own, in a temporary directory, on 127.0.0.1. */
export interface TestPostgres {
  /** `postgres://parley@127.0.0.1:<port>/parley` (trust authentication, loopback only). */
  url: string
  port: number
  /** Stops the server (fast shutdown: committed work is kept), and starts it again on the same port and data. */
  stop: () => Promise<void>
  start: () => Promise<void>
  /** Freezes the server and its backends (SIGSTOP): connections stay open, nothing answers — a hung server or a partition without a reset. */
  pause: () => void
  /** Lets a paused server run again (SIGCONT). */
  resume: () => void
  /** Stops the server and removes its directory. */
  destroy: () => Promise<void>
}

/** The user the server runs as: PostgreSQL refuses to run as root, so root runs it as `nobody`. */
const asUser = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', command, ...args]] : [command, args]

/**
 * Starts a real PostgreSQL (Debian's `postgresql` package) in a fresh temporary directory on a
 * free loopback port, as an unprivileged user (`nobody` when the tests run as root); nothing of
 * the system's own cluster is used. `fsync` is off unless asked for (a test server; crash safety
 * of the OS is not what the tests check: a fast shutdown keeps every commit); the bench turns it on.
 *
 * @example
 * ```ts
 * const pg = await startPostgres()
 * // … postgres(pg.url) …
 * await pg.destroy()
 * ```
 */
export async function startPostgres (options: { fsync?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBinDir()
  const dir = await mkdtemp(join(tmpdir(), 'parley-pg-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534)
  const [cmd, args] = asUser(join(bin, 'initdb'), ['-D', data, '-U', 'parley', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'])
  const init = spawnSync(cmd, args, { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const port = await freePort()
  let server: ChildProcess | undefined

  const start = async (): Promise<void> => {
    const [c, a] = asUser(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `fsync=${options.fsync === true ? 'on' : 'off'}`, '-c', 'max_connections=200', '-c', 'log_min_messages=fatal'])
    const child = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] })
    server = child
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    // ready once it accepts connections (pg_isready, polling a few ms apart: a process outside our control)
    const ready = join(bin, 'pg_isready')
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${stderr}`)
      if (spawnSync(ready, ['-h', '127.0.0.1', '-p', String(port), '-q']).status === 0) break
      if (i > 600) throw new Error('postgres did not start within 60 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    if (!existsSync(join(data, 'base'))) throw new Error('postgres data directory missing')
  }

  const stop = async (): Promise<void> => {
    const child = server
    server = undefined
    if (child == null || child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
    child.kill('SIGINT') // fast shutdown
    await exited
  }

  /** The postmaster and its backends (children), signalled together. */
  const signalAll = (signal: 'SIGSTOP' | 'SIGCONT'): void => {
    const pid = server?.pid
    if (pid == null) throw new Error('postgres is not running')
    if (signal === 'SIGSTOP') process.kill(pid, signal)
    spawnSync('pkill', [signal === 'SIGSTOP' ? '-STOP' : '-CONT', '-P', String(pid)])
    if (signal === 'SIGCONT') process.kill(pid, signal)
  }

  await start()
  const psql = asUser(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'parley', 'parley'])
  const created = spawnSync(psql[0], psql[1], { encoding: 'utf8' })
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`)
  return {
    url: `postgres://parley@127.0.0.1:${port}/parley`,
    port,
    start,
    stop,
    pause: () => { signalAll('SIGSTOP') },
    resume: () => { signalAll('SIGCONT') },
    destroy: async () => { if (server?.pid != null) signalAll('SIGCONT'); await stop(); await rm(dir, { recursive: true, force: true }) }
  }
}

/** One connection of a test's own to a database (node-postgres), with tagged-template queries; `end()` closes it. */
export async function connectSql (url: string): Promise<Sql & { end: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url })
  // a test's connection that the server drops (a restart test) fails its next query; the event itself is expected
  client.on('error', () => {})
  await client.connect()
  return Object.assign(sqlOn(client), { end: async () => { await client.end() } })
}
