/**
 * Deadlines of the benchmark: named defaults, each overridable by an environment variable for
 * slow machines (milliseconds), and PARLEY_BENCH_DEADLINE_SCALE multiplying every default.
 */
import { BenchConfigError } from './errors.js'

/** A whole suite, setup and cleanup included (the relay suite fills a relay with 1M envelopes). */
export const SUITE_DEADLINE_MS = 60 * 60_000
/** One step of a suite, unless the step names a longer default of its own. */
export const STEP_DEADLINE_MS = 5 * 60_000
/** After a suite ran out of time or failed: how long its own cleanup (finally blocks) may take. */
export const CLEANUP_GRACE_MS = 30_000
/** A child process asked to stop (SIGTERM) is killed (SIGKILL) after this long. */
export const CHILD_KILL_GRACE_MS = 10_000

export const DEADLINE_ENV = {
  scale: 'PARLEY_BENCH_DEADLINE_SCALE',
  suite: 'PARLEY_BENCH_SUITE_DEADLINE_MS',
  step: 'PARLEY_BENCH_STEP_DEADLINE_MS',
  cleanup: 'PARLEY_BENCH_CLEANUP_GRACE_MS',
  childKill: 'PARLEY_BENCH_CHILD_KILL_GRACE_MS'
} as const

function positive (name: string, env: NodeJS.ProcessEnv): number | undefined {
  const text = env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new BenchConfigError(`${name}=${text} is not a positive number`)
  return value
}

/** The multiplier applied to every named default (1 unless PARLEY_BENCH_DEADLINE_SCALE says otherwise). */
export function deadlineScale (env: NodeJS.ProcessEnv = process.env): number {
  return positive(DEADLINE_ENV.scale, env) ?? 1
}

export interface Deadlines {
  suiteMs: number
  stepMs: number
  cleanupMs: number
  childKillMs: number
  scale: number
}

/** The run's deadlines: an explicit variable wins, else the named default times the scale. */
export function readDeadlines (env: NodeJS.ProcessEnv = process.env): Deadlines {
  const scale = deadlineScale(env)
  return {
    suiteMs: positive(DEADLINE_ENV.suite, env) ?? SUITE_DEADLINE_MS * scale,
    stepMs: positive(DEADLINE_ENV.step, env) ?? STEP_DEADLINE_MS * scale,
    cleanupMs: positive(DEADLINE_ENV.cleanup, env) ?? CLEANUP_GRACE_MS * scale,
    childKillMs: positive(DEADLINE_ENV.childKill, env) ?? CHILD_KILL_GRACE_MS * scale,
    scale
  }
}
