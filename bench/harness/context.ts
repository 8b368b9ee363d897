/**
 * What a suite's `run(ctx)` gets: its suite signal, and `step()` to run each measured piece of
 * work under a deadline, recording a failed figure instead of hanging or losing the reason.
 */
import { withDeadline } from './deadline.js'
import type { Deadlines } from './deadlines.js'
import { reasonOf, StepFailedError, StepTimeoutError } from './errors.js'
import { record, recordFailure, type BenchFigure } from '../results.js'

export interface StepOptions {
  /**
   * This step's named default deadline (ms) when longer or shorter than the run's step deadline;
   * multiplied by PARLEY_BENCH_DEADLINE_SCALE.
   */
  defaultMs?: number
  /** Unit of the failed figure recorded when the step fails. */
  unit?: string
  /**
   * The figures this step measures: when it fails, each is recorded failed under its own name
   * (instead of one failed figure named after the step), so that names stay stable across runs.
   */
  figures?: Array<{ name: string, unit: string }>
}

export type Outcome<T> = { ok: true, value: T } | { ok: false, error: unknown }

export interface SuiteContext {
  readonly suite: string
  /** Aborts when the suite's deadline passes or the run is interrupted. */
  readonly signal: AbortSignal
  /**
   * Runs `fn` under the step's deadline (and the suite's). On a timeout or a throw it records
   * the failed figure `name` with the reason and throws {@link StepFailedError}, so that steps
   * depending on this one do not run; `.catch(ctx.keepGoing)` carries on with the next one.
   */
  step: <T>(name: string, fn: (signal: AbortSignal) => Promise<T>, options?: StepOptions) => Promise<T>
  /** Like `step`, but records nothing: the caller decides (a best-of-three round that failed). */
  attempt: <T>(name: string, fn: (signal: AbortSignal) => Promise<T>, options?: StepOptions) => Promise<Outcome<T>>
  /** Records a figure of this suite. */
  record: (figure: Omit<BenchFigure, 'suite'>) => void
  /** Records the failed figure `name` of this suite. */
  fail: (name: string, reason: unknown, unit?: string) => void
  /** For `.catch()`: lets a {@link StepFailedError} (already recorded) pass, rethrows anything else. */
  keepGoing: (err: unknown) => void
  /** The deadline (ms) a step with this named default gets in this run. */
  deadlineMs: (defaultMs?: number) => number
}

export function createSuiteContext (suite: string, signal: AbortSignal, deadlines: Deadlines): SuiteContext {
  const deadlineMs = (defaultMs?: number): number => defaultMs === undefined ? deadlines.stepMs : defaultMs * deadlines.scale
  const attempt = async <T>(name: string, fn: (signal: AbortSignal) => Promise<T>, options: StepOptions = {}): Promise<Outcome<T>> => {
    const ms = deadlineMs(options.defaultMs)
    const started = performance.now()
    try {
      const value = await withDeadline(fn, {
        ms,
        parent: signal,
        timeoutError: () => new StepTimeoutError(name, ms),
        onLateFailure: (err) => { console.error(`# ${suite}: step "${name}" also failed after its deadline: ${reasonOf(err)}`) }
      })
      return { ok: true, value }
    } catch (error) {
      console.error(`# ${suite}: step "${name}" failed after ${(performance.now() - started).toFixed(0)} ms: ${reasonOf(error)}`)
      return { ok: false, error }
    }
  }
  const fail = (name: string, reason: unknown, unit?: string): void => { recordFailure(suite, name, reasonOf(reason), unit) }
  return {
    suite,
    signal,
    attempt,
    fail,
    deadlineMs,
    record: (figure) => { record({ ...figure, suite }) },
    step: async (name, fn, options = {}) => {
      const outcome = await attempt(name, fn, options)
      if (outcome.ok) return outcome.value
      for (const f of options.figures ?? [{ name, unit: options.unit ?? '' }]) fail(f.name, outcome.error, f.unit)
      throw new StepFailedError(name, { cause: outcome.error })
    },
    keepGoing: (err) => { if (!(err instanceof StepFailedError)) throw err }
  }
}
