/**
 * The benchmark runner (bench/run.ts) on tiny fake suites, in its own process as `npm run bench`
 * runs it: a step that never resolves and one that throws become failed figures with their
 * reasons within the deadlines, the good figures are kept, the later suites still run, the
 * results file is written, the exit code says so, and SIGTERM stops the children a suite started.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BenchFigure, SuiteOutcome } from '../../bench/results.js'

const ROOT = new URL('../../', import.meta.url).pathname
const RUN = join(ROOT, 'bench/run.ts')
const CHILDREN = join(ROOT, 'bench/harness/children.ts')

interface Results { complete: boolean, suites: SuiteOutcome[], figures: Array<Omit<BenchFigure, 'value'> & { value: number | null }> }

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'parley-bench-runner-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

async function suites (files: Record<string, string>): Promise<string> {
  const suitesDir = join(dir, 'suites')
  await mkdir(suitesDir)
  // ES modules, as in the repository: a CommonJS suite would get its own copy of bench/harness
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n')
  for (const [name, text] of Object.entries(files)) await writeFile(join(suitesDir, name), text)
  return suitesDir
}

function startRunner (suitesDir: string, env: Record<string, string>): { child: ReturnType<typeof spawn>, stdout: string[], stderr: string[], resultsFile: string } {
  const resultsFile = join(dir, 'results.json')
  const child = spawn(process.execPath, ['--import', 'tsx', RUN], {
    cwd: ROOT,
    env: { ...process.env, PARLEY_BENCH_SUITES_DIR: suitesDir, PARLEY_BENCH_RESULTS: resultsFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stdout: string[] = []
  const stderr: string[] = []
  createInterface({ input: child.stdout! }).on('line', (l) => stdout.push(l))
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l))
  return { child, stdout, stderr, resultsFile }
}

/** False once the process is gone or a zombie (a container's init may reap orphans late). */
async function running (pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  return status !== '' && !/^State:\s+Z/m.test(status)
}

const figure = (r: Results, suite: string, name: string): Results['figures'][number] | undefined => r.figures.find((f) => f.suite === suite && f.name === name)

describe('bench runner', () => {
  it('turns a hanging step and a throwing step into failed figures, keeps the good ones and writes the results', async () => {
    const dirPath = await suites({
      'a-mixed.ts': `
        export async function run (ctx) {
          await ctx.step('good figure', async () => { ctx.record({ name: 'good figure', value: 42, unit: 'ops/s' }) })
          await ctx.step('never resolves', async () => new Promise(() => {}), { unit: 'msg/s' }).catch(ctx.keepGoing)
          await ctx.step('throws', async () => { throw Object.assign(new Error('boom'), { code: 'ERR_BOOM' }) })
          ctx.record({ name: 'after the throw', value: 1, unit: 'x' })
        }`,
      'b-stuck.ts': `
        export async function run () { await new Promise(() => {}) }`,
      'c-after.ts': `
        export async function run (ctx) { ctx.record({ name: 'later suite', value: 7, unit: 'ms' }) }`
    })
    const started = Date.now()
    const runner = startRunner(dirPath, { PARLEY_BENCH_STEP_DEADLINE_MS: '300', PARLEY_BENCH_SUITE_DEADLINE_MS: '1500', PARLEY_BENCH_CLEANUP_GRACE_MS: '200' })
    const [code] = await once(runner.child, 'exit') as [number | null]
    const elapsed = Date.now() - started

    expect(code, runner.stderr.join('\n')).toBe(1)
    // tsx start-up plus 300 ms + 1,500 ms of deadlines: nowhere near a hang
    expect(elapsed).toBeLessThan(20_000)
    const results = JSON.parse(await readFile(runner.resultsFile, 'utf8')) as Results
    expect(results.complete).toBe(true)
    expect(figure(results, 'a-mixed', 'good figure')).toMatchObject({ value: 42, unit: 'ops/s', status: 'ok' })
    expect(figure(results, 'a-mixed', 'never resolves')).toMatchObject({ value: null, unit: 'msg/s', status: 'failed' })
    expect(figure(results, 'a-mixed', 'never resolves')?.reason).toMatch(/^ERR_BENCH_STEP_TIMEOUT: step "never resolves" did not finish within 300 ms/)
    expect(figure(results, 'a-mixed', 'throws')).toMatchObject({ status: 'failed', reason: 'ERR_BOOM: boom' })
    // the failed step stopped its suite: the figure after it was never measured
    expect(figure(results, 'a-mixed', 'after the throw')).toBeUndefined()
    expect(figure(results, 'b-stuck', 'suite run')).toMatchObject({ status: 'failed' })
    expect(figure(results, 'b-stuck', 'suite run')?.reason).toMatch(/^ERR_BENCH_SUITE_TIMEOUT/)
    expect(figure(results, 'c-after', 'later suite')).toMatchObject({ value: 7, status: 'ok' })
    expect(results.suites.map((s) => [s.suite, s.status])).toEqual([['a-mixed', 'failed'], ['b-stuck', 'timed out'], ['c-after', 'ok']])
    expect(results.figures.filter((f) => f.status === 'failed')).toHaveLength(3)
    // the table shows the failures and their reasons
    const table = runner.stdout.join('\n')
    expect(table).toContain('| a-mixed | never resolves | — | msg/s |  |  | **FAILED**: ERR_BENCH_STEP_TIMEOUT')
    expect(table).toContain('| a-mixed | good figure | 42.00 | ops/s |  |  | ok |')
    expect(table).toContain('3 figure(s) failed')
  })

  const SIGNAL_SUITES = {
    'a-done.ts': `
      export async function run (ctx) { ctx.record({ name: 'measured before', value: 3, unit: 'ms' }) }`,
    'b-relay.ts': `
      import { spawn } from 'node:child_process'
      import { once } from 'node:events'
      import { track } from ${JSON.stringify(CHILDREN)}
      export async function run (ctx) {
        const child = track(spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); console.log("listening"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] }))
        await once(child.stdout, 'data')
        console.error('# stand-in relay ' + child.pid)
        await ctx.step('waits on the relay', async () => new Promise(() => {}))
      }`
  }

  /** The stand-in relay's pid, once suite b-relay has started it. */
  async function standInPid (runner: ReturnType<typeof startRunner>): Promise<number> {
    const lines = createInterface({ input: runner.child.stderr! })
    for await (const line of lines) if (line.startsWith('# stand-in relay ')) return Number(line.split(' ').at(-1))
    throw new Error(`the runner ended before starting the stand-in relay:\n${runner.stderr.join('\n')}`)
  }

  it('on SIGTERM stops the running suite and the child processes it started, and writes what it measured', async () => {
    // a stand-in relay that ignores SIGTERM: the runner has to SIGKILL it after the grace
    const runner = startRunner(await suites(SIGNAL_SUITES), { PARLEY_BENCH_STEP_DEADLINE_MS: '60000', PARLEY_BENCH_CLEANUP_GRACE_MS: '200', PARLEY_BENCH_CHILD_KILL_GRACE_MS: '300' })
    const pid = await standInPid(runner)
    expect(await running(pid)).toBe(true)
    runner.child.kill('SIGTERM')
    const [code] = await once(runner.child, 'exit') as [number | null]

    expect(code, runner.stderr.join('\n')).toBe(128 + 15)
    expect(await running(pid), runner.stderr.join('\n')).toBe(false)
    const results = JSON.parse(await readFile(runner.resultsFile, 'utf8')) as Results
    expect(results.complete).toBe(false)
    expect(figure(results, 'a-done', 'measured before')).toMatchObject({ value: 3, status: 'ok' })
    expect(figure(results, 'b-relay', 'waits on the relay')?.reason).toBe('ERR_BENCH_INTERRUPTED: interrupted by SIGTERM')
    expect(results.suites.at(-1)).toMatchObject({ suite: 'b-relay', status: 'interrupted' })
    expect(runner.stderr).toContain(`# suite b-relay left child processes ${pid}: stopping them`)
  })

  it('killed outright, leaves the figures of the suites that finished', async () => {
    const runner = startRunner(await suites(SIGNAL_SUITES), { PARLEY_BENCH_STEP_DEADLINE_MS: '60000' })
    const pid = await standInPid(runner)
    try {
      runner.child.kill('SIGKILL')
      await once(runner.child, 'exit')
      const results = JSON.parse(await readFile(runner.resultsFile, 'utf8')) as Results
      expect(results.complete).toBe(false)
      expect(results.suites).toMatchObject([{ suite: 'a-done', status: 'ok' }])
      expect(figure(results, 'a-done', 'measured before')).toMatchObject({ value: 3, status: 'ok' })
    } finally {
      // nothing survives a SIGKILL to clean up after itself: the stand-in is ours to stop
      process.kill(pid, 'SIGKILL')
    }
  })
})
