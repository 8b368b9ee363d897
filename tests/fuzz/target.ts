/**
 * What a fuzz target is (one file under tests/fuzz/targets/, see tests/fuzz/README.md) and the
 * one property every target is held to: a run either returns (a valid result) or throws a typed
 * error (`ParleyError` with a stable `ERR_…` code); never another exception, never a hang.
 */
import type { AbortOptions } from '@libp2p/interface'
import type * as fc from 'fast-check'
import { ParleyError } from '../../src/errors.js'

/** A started target: what one run does, and (protocol targets) the honest-client check. */
export interface FuzzHarness<T> {
  /** One run on one generated input; resolves with anything, or throws a typed error. */
  run: (input: T, options: AbortOptions) => Promise<unknown> | unknown
  /** Throws unless the node/relay/server still serves an honest client. Called after the runs. */
  healthy?: (options: AbortOptions) => Promise<void>
  /** Stops what `open` started. */
  close?: () => Promise<void>
}

export interface FuzzTarget<T> {
  /** Unique, kebab-case: names the fixture files too. */
  name: string
  /** The decoder or protocol handler under test (for the report). */
  covers: string
  /** Generator of inputs. Keep inputs JSON-able (bytes, bigints, strings, plain objects). */
  input: fc.Arbitrary<T>
  /** Runs of the seeded budget in `npm test` (a few seconds on a loaded 2-core machine). */
  runs: number
  /** Longest one run may take before it counts as a hang (ms); default 5000. */
  runTimeoutMs?: number
  /** Starts the target (a relay, a node, a server) or returns the pure function. */
  open: () => Promise<FuzzHarness<T>>
}

/** A pure decoder target: nothing to start. */
export function pureTarget<T> (init: Omit<FuzzTarget<T>, 'open'> & { run: (input: T) => unknown }): FuzzTarget<T> {
  const { run, ...rest } = init
  return { ...rest, open: async () => ({ run }) }
}

/** Typed: a ParleyError whose code is a stable `ERR_…` constant. */
export function isTypedError (err: unknown): boolean {
  return err instanceof ParleyError && /^ERR_[A-Z0-9_]+$/.test(err.code)
}

/** Why a thrown value breaks the property, for the counterexample report. */
export function describeUntyped (err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}\n${err.stack ?? ''}`
  return `non-Error thrown: ${String(err)}`
}

/**
 * Runs `decode`: its result, or undefined when it threw a typed error (so one input can go
 * through several decoders). Anything else propagates and breaks the property.
 */
export function typedOrResult<R> (decode: () => R): R | undefined {
  try {
    return decode()
  } catch (err) {
    if (isTypedError(err)) return undefined
    throw err
  }
}

/** A result that breaks a decoder's own promise (e.g. a wrong field length let through). */
export function invalidResult (what: string): Error {
  return new Error(`decoder returned an invalid result: ${what}`)
}

/** {@link typedOrResult} for an async decoder or handler. */
export async function typedOrResultAsync<R> (run: () => Promise<R>): Promise<R | undefined> {
  try {
    return await run()
  } catch (err) {
    if (isTypedError(err)) return undefined
    throw err
  }
}
