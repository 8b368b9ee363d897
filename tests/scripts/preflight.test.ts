import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without type declarations
import { findOnPath, locateChromium, planChromium } from '../../scripts/preflight.mjs'

const root = new URL('../..', import.meta.url).pathname

/** A fake file system: the set of executable files. */
function files (...paths: string[]): (file: string) => boolean {
  const set = new Set(paths)
  return (file) => set.has(file)
}

describe('npm test preflight', () => {
  it('finds chromium on PATH, in PATH order', () => {
    const isExecutable = files('/opt/b/chromium', '/usr/bin/chromium')
    expect(findOnPath('chromium', '/opt/a:/opt/b:/usr/bin', isExecutable)).toBe('/opt/b/chromium')
    expect(findOnPath('chromium', '/opt/a', isExecutable)).toBeUndefined()
    expect(findOnPath('chromium', undefined, isExecutable)).toBeUndefined()
  })

  it('uses PARLEY_CHROMIUM when set, and refuses one that is not executable', () => {
    const isExecutable = files('/custom/chrome', '/usr/bin/chromium')
    expect(locateChromium({ env: { PARLEY_CHROMIUM: '/custom/chrome', PATH: '/usr/bin' }, isExecutable })).toEqual({ path: '/custom/chrome', pinned: true })
    const plan = planChromium({ env: { PARLEY_CHROMIUM: '/nowhere/chrome', PATH: '/usr/bin' }, uid: 0, isExecutable })
    expect(plan.action).toBe('stop')
    expect(plan.message).toContain('PARLEY_CHROMIUM')
  })

  it('runs when chromium is there', () => {
    expect(planChromium({ env: { PATH: '/usr/bin' }, uid: 1000, isExecutable: files('/usr/bin/chromium') }))
      .toEqual({ action: 'ok', path: '/usr/bin/chromium' })
  })

  it('installs it when missing and root with apt-get', () => {
    expect(planChromium({ env: { PATH: '/usr/bin' }, uid: 0, isExecutable: files('/usr/bin/apt-get') }))
      .toEqual({ action: 'install' })
  })

  it('stops with one line saying what to install when it may not install', () => {
    for (const facts of [
      { env: { PATH: '/usr/bin' }, uid: 1000, isExecutable: files('/usr/bin/apt-get') }, // not root
      { env: { PATH: '/usr/bin' }, uid: 0, isExecutable: files() } // root without apt-get
    ]) {
      const plan = planChromium(facts)
      expect(plan.action).toBe('stop')
      expect(plan.message).toMatch(/install it .*apt-get install chromium/)
      expect(plan.message).not.toContain('\n')
    }
  })

  it('npm test stops within seconds, with that one line and no test run, when it cannot find chromium', () => {
    const started = Date.now()
    const run = spawnSync(process.execPath, ['scripts/run-tests.mjs'], {
      cwd: root, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PARLEY_CHROMIUM: '/nonexistent/chromium' }
    })
    expect(run.status).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain('PARLEY_CHROMIUM is /nonexistent/chromium')
    expect(run.stdout).not.toMatch(/passed|failed/)
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})
