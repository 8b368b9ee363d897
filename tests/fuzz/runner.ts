/**
 * Runs a fuzz target under fast-check (seeded budget or time-boxed), replays and writes
 * regression fixtures (tests/fuzz/fixtures/<target>-<hash>.json), and loads every target from
 * tests/fuzz/targets/ (one file each: adding a decoder is adding a file).
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as fc from 'fast-check'
import { describeUntyped, isTypedError, type FuzzHarness, type FuzzTarget } from './target.js'

const HERE = new URL('.', import.meta.url).pathname
export const TARGETS_DIR = join(HERE, 'targets')
export const FIXTURES_DIR = join(HERE, 'fixtures')

/** Every target under tests/fuzz/targets/ (`*.target.ts`, default export), sorted by name. */
export async function loadTargets (): Promise<Array<FuzzTarget<unknown>>> {
  const files = (await readdir(TARGETS_DIR)).filter((f) => f.endsWith('.target.ts')).sort()
  const targets: Array<FuzzTarget<unknown>> = []
  for (const file of files) {
    const mod = await import(pathToFileURL(join(TARGETS_DIR, file)).href) as { default?: FuzzTarget<unknown> }
    if (mod.default == null) throw new Error(`${file} has no default export (a FuzzTarget)`)
    targets.push(mod.default)
  }
  const names = new Set(targets.map((t) => t.name))
  if (names.size !== targets.length) throw new Error('two fuzz targets share a name')
  return targets
}

/** Thrown when a run breaks the property. */
export class FuzzFinding extends Error {}

/**
 * One run, checked: the harness must resolve or throw a typed error within the run timeout,
 * and no uncaught exception or unhandled rejection may appear meanwhile.
 */
export async function checkRun<T> (target: FuzzTarget<T>, harness: FuzzHarness<T>, input: T): Promise<void> {
  const timeoutMs = target.runTimeoutMs ?? 5000
  const controller = new AbortController()
  const stray: unknown[] = []
  const onStray = (err: unknown): void => { stray.push(err) }
  process.on('uncaughtException', onStray)
  process.on('unhandledRejection', onStray)
  let timer: NodeJS.Timeout | undefined
  try {
    const hang = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new FuzzFinding(`hang: one run took over ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      await Promise.race([Promise.resolve().then(async () => harness.run(input, { signal: controller.signal })), hang])
    } catch (err) {
      if (err instanceof FuzzFinding) throw err
      if (!isTypedError(err)) throw new FuzzFinding(`untyped error: ${describeUntyped(err)}`)
    }
    // let a stray rejection of this run surface before the next one starts
    await new Promise((resolve) => setImmediate(resolve))
    if (stray.length > 0) throw new FuzzFinding(`uncaught during the run: ${describeUntyped(stray[0])}`)
  } finally {
    clearTimeout(timer)
    process.off('uncaughtException', onStray)
    process.off('unhandledRejection', onStray)
  }
}

export type FuzzOutcome =
  | { failed: false, target: string, seed: number, runs: number, interrupted: boolean }
  | { failed: true, target: string, seed: number, runs: number, path: string, input: unknown, error: string }

/** Fuzzes one opened target: `runs` runs, or as many as fit in `timeLimitMs`. */
export async function fuzzTarget<T> (target: FuzzTarget<T>, harness: FuzzHarness<T>, options: { seed: number, runs?: number, timeLimitMs?: number }): Promise<FuzzOutcome> {
  const property = fc.asyncProperty(target.input, async (input) => { await checkRun(target, harness, input) })
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs ?? Number.MAX_SAFE_INTEGER,
    ...(options.timeLimitMs != null ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {})
  })
  if (!details.failed) return { failed: false, target: target.name, seed: options.seed, runs: details.numRuns, interrupted: details.interrupted }
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  return { failed: true, target: target.name, seed: options.seed, runs: details.numRuns, path: details.counterexamplePath ?? '', input: details.counterexample?.[0], error }
}

/** JSON with bytes as `{"$bytes":hex}` and bigints as `{"$bigint":"…"}`, so fixtures replay exactly. */
export function toFixtureJson (value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = key === '' ? value : this[key]
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('hex') }
    if (typeof raw === 'bigint') return { $bigint: raw.toString() }
    if (raw === undefined && key !== '') return { $undefined: true }
    return v
  }, 2)
}

export function fromFixtureJson (text: string): unknown {
  const revive = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (Array.isArray(v)) return v.map(revive)
    const o = v as Record<string, unknown>
    if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'hex'))
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint)
    if (o.$undefined === true) return undefined
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]))
  }
  return revive(JSON.parse(text))
}

export interface Fixture { target: string, seed: number, path: string, error: string, input: unknown }

/** Writes a finding as a fixture the normal suite replays; returns its path. */
export async function writeFixture (outcome: Extract<FuzzOutcome, { failed: true }>): Promise<string> {
  const input = toFixtureJson(outcome.input)
  const hash = createHash('sha256').update(input).digest('hex').slice(0, 12)
  const file = join(FIXTURES_DIR, `${outcome.target}-${hash}.json`)
  const fixture = `{\n  "target": ${JSON.stringify(outcome.target)},\n  "seed": ${outcome.seed},\n  "path": ${JSON.stringify(outcome.path)},\n  "error": ${JSON.stringify(outcome.error.split('\n')[0])},\n  "input": ${input.replaceAll('\n', '\n  ')}\n}\n`
  await writeFile(file, fixture)
  return file
}

/** The fixtures recorded for `target`. */
export async function loadFixtures (target: string): Promise<Array<Fixture & { file: string }>> {
  const files = (await readdir(FIXTURES_DIR)).filter((f) => f.startsWith(`${target}-`) && f.endsWith('.json')).sort()
  return Promise.all(files.map(async (file) => ({ ...(fromFixtureJson(await readFile(join(FIXTURES_DIR, file), 'utf8')) as Fixture), file })))
}

/** The counterexample as a reader can use it: the error, the input, and how to reproduce. */
export function formatFinding (outcome: Extract<FuzzOutcome, { failed: true }>): string {
  return [
    `fuzz target ${outcome.target} failed after ${outcome.runs} runs: ${outcome.error}`,
    `counterexample: ${toFixtureJson(outcome.input)}`,
    `reproduce: npm run fuzz -- --target ${outcome.target} --seed ${outcome.seed} --path ${outcome.path}`
  ].join('\n')
}

/** The seed of a target's fixed budget in `npm test`: stable per name. */
export function ciSeed (name: string): number {
  return createHash('sha256').update(`parley-fuzz/${name}`).digest().readInt32BE(0)
}
