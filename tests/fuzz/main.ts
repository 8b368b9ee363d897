/**
 * `npm run fuzz -- [--minutes N] [--target NAME]… [--seed S] [--path P] [--runs R]`
 *
 * Fuzzes every target under tests/fuzz/targets/ (or the named ones) round-robin for N minutes
 * (default 1) from a random seed, printed first; `--seed` (and `--path`, from a report) replays
 * one run exactly. A failure prints the counterexample, writes it to tests/fuzz/fixtures/ (the
 * normal suite replays every fixture) and exits 1.
 */
import { randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'
import * as fc from 'fast-check'
import { checkRun, formatFinding, fuzzTarget, loadTargets, writeFixture } from './runner.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    target: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    path: { type: 'string' },
    runs: { type: 'string' }
  }
})
const minutes = Number(values.minutes)
if (!(minutes > 0)) throw new Error('--minutes must be a number > 0')
const all = await loadTargets()
const unknown = values.target!.filter((name) => !all.some((t) => t.name === name))
if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${all.map((t) => t.name).join(', ')}`)
const targets = values.target!.length > 0 ? all.filter((t) => values.target!.includes(t.name)) : all
const baseSeed = values.seed != null ? Number(values.seed) : randomInt(2 ** 31 - 1)
console.log(`fuzz: seed ${baseSeed}, ${minutes} min, targets ${targets.map((t) => t.name).join(', ')}`)

// a seed and path from a report: replay that one run (and its shrinking) exactly
if (values.path != null) {
  if (targets.length !== 1) throw new Error('--path needs exactly one --target')
  const target = targets[0]
  const harness = await target.open()
  try {
    const details = await fc.check(fc.asyncProperty(target.input, async (input) => { await checkRun(target, harness, input) }), { seed: baseSeed, path: values.path, numRuns: 1 })
    console.log(details.failed ? `still fails: ${String(details.errorInstance)}` : 'passes now')
    process.exitCode = details.failed ? 1 : 0
  } finally {
    await harness.close?.()
  }
} else {
  const deadline = Date.now() + minutes * 60_000
  const sliceMs = Math.max(5000, Math.min(60_000, (minutes * 60_000) / targets.length / 2))
  const totals = new Map<string, number>()
  /** One slice of one target; false when it found something. */
  const slice = async (target: typeof targets[number], seed: number): Promise<boolean> => {
    const harness = await target.open()
    try {
      const outcome = await fuzzTarget(target, harness, {
        seed,
        ...(values.runs != null ? { runs: Number(values.runs) } : {}),
        timeLimitMs: Math.min(sliceMs, Math.max(1000, deadline - Date.now()))
      })
      if (outcome.failed) {
        console.log(formatFinding(outcome))
        console.log(`fixture written: ${await writeFixture(outcome)}`)
        return false
      }
      await harness.healthy?.({ signal: AbortSignal.timeout(30_000) })
      totals.set(target.name, (totals.get(target.name) ?? 0) + outcome.runs)
      return true
    } finally {
      await harness.close?.()
    }
  }
  let ok = true
  for (let round = 0; ok && Date.now() < deadline; round++) {
    for (const [index, target] of targets.entries()) {
      if (!ok || Date.now() >= deadline) break
      ok = await slice(target, (baseSeed + round * 7919 + index) | 0)
    }
  }
  if (!ok) process.exitCode = 1
  for (const [name, runs] of totals) console.log(`${name}: ${runs} runs, no finding`)
}
// libp2p and level leave timers behind; the verdict is in process.exitCode
process.exit()
