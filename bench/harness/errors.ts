/** Typed failures of the benchmark harness, each with a stable code (recorded as a figure's reason). */
import { ParleyError } from '../../src/errors.js'

export const BenchErrorCode = {
  /** A step ran past its deadline. */
  STEP_TIMEOUT: 'ERR_BENCH_STEP_TIMEOUT',
  /** A suite ran past its deadline. */
  SUITE_TIMEOUT: 'ERR_BENCH_SUITE_TIMEOUT',
  /** A step failed; its failed figure is already recorded. */
  STEP_FAILED: 'ERR_BENCH_STEP_FAILED',
  /** SIGINT or SIGTERM stopped the run. */
  INTERRUPTED: 'ERR_BENCH_INTERRUPTED',
  /** A deadline setting in the environment is not a positive number. */
  BAD_CONFIG: 'ERR_BENCH_CONFIG',
  /** A suite module has no `run` export. */
  BAD_SUITE: 'ERR_BENCH_BAD_SUITE'
} as const
export type BenchErrorCode = typeof BenchErrorCode[keyof typeof BenchErrorCode]

export class BenchError extends ParleyError {
  declare readonly code: BenchErrorCode
  constructor (message: string, code: BenchErrorCode, options?: { cause?: unknown }) {
    super(message, code, options)
  }
}

export class StepTimeoutError extends BenchError {
  constructor (step: string, ms: number) { super(`step "${step}" did not finish within ${ms} ms`, BenchErrorCode.STEP_TIMEOUT) }
}

export class SuiteTimeoutError extends BenchError {
  constructor (suite: string, ms: number) { super(`suite "${suite}" did not finish within ${ms} ms`, BenchErrorCode.SUITE_TIMEOUT) }
}

export class InterruptedError extends BenchError {
  constructor (signal: string) { super(`interrupted by ${signal}`, BenchErrorCode.INTERRUPTED) }
}

/** Thrown by `ctx.step` after it recorded the step's failed figure, so that dependent steps do not run. */
export class StepFailedError extends BenchError {
  constructor (step: string, options: { cause: unknown }) {
    super(`step "${step}" failed: ${reasonOf(options.cause)}`, BenchErrorCode.STEP_FAILED, options)
  }
}

export class BenchConfigError extends BenchError {
  constructor (message: string) { super(message, BenchErrorCode.BAD_CONFIG) }
}

export class BadSuiteError extends BenchError {
  constructor (file: string) { super(`${file} exports no run() function`, BenchErrorCode.BAD_SUITE) }
}

/** "CODE: message" for a recorded reason; the message alone when the error has no code. */
export function reasonOf (err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}
