/**
 * The fixed fuzz budget of `npm test`: every target under tests/fuzz/targets/, seeded (the same
 * inputs each run), first replaying its regression fixtures, then `target.runs` generated inputs,
 * then (protocol targets) an honest client round trip. `PARLEY_FUZZ_SEED=n` changes the seed.
 */
import { describe, expect, it } from 'vitest'
import { checkRun, ciSeed, formatFinding, fuzzTarget, loadFixtures, loadTargets } from './runner.js'

const targets = await loadTargets()
const seedOverride = process.env.PARLEY_FUZZ_SEED != null ? Number(process.env.PARLEY_FUZZ_SEED) : undefined

describe('fuzz targets (fixed budget)', () => {
  it('covers every decoder and handler named in docs (registry loads)', () => {
    expect(targets.length).toBeGreaterThanOrEqual(10)
  })

  for (const target of targets) {
    it(`${target.name}: ${target.covers}`, async () => {
      const harness = await target.open()
      try {
        for (const fixture of await loadFixtures(target.name)) {
          await expect(checkRun(target, harness, fixture.input), `fixture ${fixture.file}`).resolves.toBeUndefined()
        }
        const outcome = await fuzzTarget(target, harness, { seed: seedOverride ?? ciSeed(target.name), runs: target.runs })
        if (outcome.failed) expect.fail(formatFinding(outcome))
        expect(outcome.runs).toBe(target.runs)
        await harness.healthy?.({ signal: AbortSignal.timeout(20_000) })
      } finally {
        await harness.close?.()
      }
    }, 120_000)
  }
})
