/**
 * Daemon suite: `parley daemon` cold start to "ready" (an existing account; median of 5),
 * its RSS after 60 s idle (and 60 s after some use), and the round trip of a `parley send` CLI process through the
 * local API (median of 5). Real processes, 127.0.0.1 only, default scrypt cost.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { tempDir } from '../../tests/helpers/network.js'
import { percentile, record } from '../results.js'

const SUITE = 'daemon'
const ROOT = new URL('../../', import.meta.url).pathname
const BIN = join(ROOT, 'bin/parley.js')
const PASSPHRASE = 'bench passphrase'

function env (home: string): NodeJS.ProcessEnv {
  return { ...process.env, PARLEY_HOME: home, PARLEY_PASSPHRASE: PASSPHRASE, PARLEY_USE_DIST: '1' }
}

function cli (home: string, args: string[]): { status: number | null, stdout: string, ms: number } {
  const start = performance.now()
  const out = spawnSync(process.execPath, [BIN, ...args], { env: env(home), encoding: 'utf8', timeout: 60_000 })
  return { status: out.status, stdout: out.stdout, ms: performance.now() - start }
}

interface Daemon { child: ChildProcess, lines: string[], readyMs: number }

async function startDaemon (home: string, extra: string[] = []): Promise<Daemon> {
  const start = performance.now()
  const child = spawn(process.execPath, [BIN, 'daemon', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--no-ui', ...extra], { env: env(home), stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('daemon did not start')) }, 60_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      if (line === 'ready') { clearTimeout(timer); resolve() }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`daemon exited ${code}`)) })
  })
  return { child, lines, readyMs: performance.now() - start }
}

async function stopDaemon (d: Daemon): Promise<void> {
  if (d.child.exitCode != null) return
  const exited = new Promise((resolve) => d.child.once('exit', resolve))
  d.child.kill('SIGTERM')
  await exited
}

function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

export async function run (): Promise<void> {
  const dir = await tempDir('parley-bench-daemon-')
  const homeA = join(dir.path, 'a')
  const homeB = join(dir.path, 'b')
  try {
    if (cli(homeA, ['init']).status !== 0 || cli(homeB, ['init']).status !== 0) throw new Error('parley init failed')

    const starts: number[] = []
    for (let i = 0; i < 5; i++) {
      const d = await startDaemon(homeA)
      starts.push(d.readyMs)
      if (i < 4) { await stopDaemon(d); continue }
      // the last one stays up, untouched, for the idle figure
      await new Promise((resolve) => setTimeout(resolve, 60_000))
      record({ suite: SUITE, name: 'daemon RSS after 60 s idle', value: rssMb(d.child.pid!), unit: 'MB' })
      await stopDaemon(d)
    }
    record({ suite: SUITE, name: 'daemon cold start to ready (median of 5)', value: percentile(starts, 50), unit: 'ms' })

    const b = await startDaemon(homeB)
    const bListen = b.lines.find((l) => l.startsWith('listen:'))!.slice('listen:'.length).trim()
    const bAccount = b.lines.find((l) => l.startsWith('account:'))!.slice('account:'.length).trim().split(' ')[0]
    const a = await startDaemon(homeA, ['--bootstrap', bListen])
    try {
      if (cli(homeA, ['contacts', 'add', bAccount, '--name', 'bob']).status !== 0) throw new Error('contacts add failed')
      cli(homeA, ['send', 'bob', 'warm-up', '--wait'])
      const trips: number[] = []
      for (let i = 0; i < 5; i++) {
        const sent = cli(homeA, ['send', 'bob', `round trip ${i}`, '--wait'])
        if (sent.status === 0) trips.push(sent.ms)
      }
      record({ suite: SUITE, name: 'CLI `send --wait` round trip through the API (median of 5; includes the CLI process start)', value: percentile(trips, 50), unit: 'ms' })
      await new Promise((resolve) => setTimeout(resolve, 60_000))
      record({ suite: SUITE, name: 'daemon RSS 60 s after a contact and 6 sends', value: rssMb(a.child.pid!), unit: 'MB' })
    } finally {
      await stopDaemon(a)
      await stopDaemon(b)
    }
  } finally {
    await dir.cleanup()
  }
}
