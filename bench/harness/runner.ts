/**
 * Runs suites one after the other, each under its deadline: a suite that fails or runs out of
 * time gets a failed figure, its child processes are stopped, and the next suite runs.
 * bench-results.json is rewritten after every suite, so that a crash or a kill leaves what was
 * measured so far.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { liveChildren, stopAllChildren } from './children.js'
import { createSuiteContext, type SuiteContext } from './context.js'
import { withDeadline } from './deadline.js'
import type { Deadlines } from './deadlines.js'
import { BadSuiteError, reasonOf, StepFailedError, SuiteTimeoutError } from './errors.js'
import { closeSuite, failedFigures, recordFailure, writeResults, type SuiteOutcome } from '../results.js'

/** The failed figure standing for a suite that did not run to its end outside any step. */
export const SUITE_FIGURE = 'suite run'

export interface RunOptions {
  suitesDir: string
  /** Suite names (file names without `.ts`) to run; all when empty. */
  wanted: string[]
  resultsFile: string
  deadlines: Deadlines
  /** Aborts the run (SIGINT, SIGTERM): the running suite stops, no further suite starts. */
  interrupt: AbortSignal
}

export interface RunSummary {
  suites: SuiteOutcome[]
  failed: number
  interrupted: boolean
}

interface SuiteModule { run: (ctx: SuiteContext) => Promise<void> }

export function suiteFiles (dir: string, wanted: string[]): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort()
    .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
}

async function loadSuite (file: string): Promise<SuiteModule> {
  const mod = await import(pathToFileURL(file).href) as Partial<SuiteModule>
  if (typeof mod.run !== 'function') throw new BadSuiteError(file)
  return mod as SuiteModule
}

async function runOne (file: string, suite: string, options: RunOptions): Promise<SuiteOutcome> {
  const { deadlines, interrupt } = options
  const started = performance.now()
  let suiteSignal: AbortSignal | undefined
  let running: Promise<void> | undefined
  let outcome: SuiteOutcome
  try {
    await withDeadline(async (signal) => {
      suiteSignal = signal
      const mod = await loadSuite(file)
      running = mod.run(createSuiteContext(suite, signal, deadlines))
      await running
    }, {
      ms: deadlines.suiteMs,
      parent: interrupt,
      timeoutError: () => new SuiteTimeoutError(suite, deadlines.suiteMs),
      // a step failing because the suite's signal aborted it has recorded its figure already
      onLateFailure: (err) => { if (!(err instanceof StepFailedError)) console.error(`# suite ${suite} also failed during its cleanup: ${reasonOf(err)}`) }
    })
    outcome = { suite, status: 'ok', ms: performance.now() - started }
  } catch (err) {
    const status = interrupt.aborted ? 'interrupted' : suiteSignal?.aborted === true ? 'timed out' : 'failed'
    // a failed step recorded its own figure; anything else gets the suite's
    if (!(err instanceof StepFailedError)) recordFailure(suite, SUITE_FIGURE, reasonOf(err))
    outcome = { suite, status, ms: performance.now() - started, reason: reasonOf(err) }
    console.error(`# suite ${suite} ${status}: ${reasonOf(err)}`)
  }
  if (running !== undefined && suiteSignal?.aborted === true) {
    // the suite's own cleanup (its finally blocks: nodes, relays, temp dirs) gets a grace period
    let timer: ReturnType<typeof setTimeout> | undefined
    const cleaned = await Promise.race([
      running.then(() => true, () => true),
      new Promise<false>((resolve) => { timer = setTimeout(resolve, deadlines.cleanupMs, false) })
    ])
    clearTimeout(timer)
    if (!cleaned) console.error(`# suite ${suite} did not clean up within ${deadlines.cleanupMs} ms`)
  }
  const left = liveChildren()
  if (left.length > 0) {
    console.error(`# suite ${suite} left child processes ${left.join(', ')}: stopping them`)
    await stopAllChildren(deadlines.childKillMs)
  }
  closeSuite(suite)
  return outcome
}

export async function runSuites (options: RunOptions): Promise<RunSummary> {
  const files = suiteFiles(options.suitesDir, options.wanted)
  const suites: SuiteOutcome[] = []
  for (const file of files) {
    if (options.interrupt.aborted) break
    const suite = file.replace(/\.ts$/, '')
    console.error(`# suite ${file}`)
    suites.push(await runOne(join(options.suitesDir, file), suite, options))
    writeResults(options.resultsFile, { complete: false, suites })
  }
  const interrupted = options.interrupt.aborted
  writeResults(options.resultsFile, { complete: !interrupted, suites })
  return { suites, failed: failedFigures().length, interrupted }
}
