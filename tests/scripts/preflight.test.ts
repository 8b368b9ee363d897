import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without type declarations
import { findOnPath, locateChromium, locatePostgres, planChromium, planPostgres } from '../../scripts/preflight.mjs'

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

  it('finds the newest PostgreSQL 15+ server under /usr/lib/postgresql, or PARLEY_POSTGRES_BIN', () => {
    const isExecutable = files('/usr/lib/postgresql/13/bin/initdb', '/usr/lib/postgresql/13/bin/postgres', '/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/postgres',
      '/usr/lib/postgresql/16/bin/initdb', '/usr/lib/postgresql/16/bin/postgres', '/opt/pg/bin/initdb')
    expect(locatePostgres({ env: {}, isExecutable, versions: () => ['13', '15', '16'] })).toEqual({ bin: '/usr/lib/postgresql/16/bin', pinned: false })
    // a version directory without its server binaries does not count; one older than 15 never does
    expect(locatePostgres({ env: {}, isExecutable, versions: () => ['13', '15', '17'] })).toEqual({ bin: '/usr/lib/postgresql/15/bin', pinned: false })
    expect(locatePostgres({ env: {}, isExecutable, versions: () => ['13'] })).toEqual({ pinned: false })
    expect(locatePostgres({ env: { PARLEY_POSTGRES_BIN: '/opt/pg/bin' }, isExecutable, versions: () => [] })).toEqual({ bin: '/opt/pg/bin', pinned: true })
    const plan = planPostgres({ env: { PARLEY_POSTGRES_BIN: '/nowhere', PATH: '/usr/bin' }, uid: 0, isExecutable: files('/usr/bin/apt-get'), versions: () => [] })
    expect(plan.action).toBe('stop')
    expect(plan.message).toContain('PARLEY_POSTGRES_BIN')
  })

  it('installs postgresql when missing and root with apt-get; else stops with one line saying what to install', () => {
    const none = (): string[] => []
    expect(planPostgres({ env: { PATH: '/usr/bin' }, uid: 0, isExecutable: files('/usr/bin/apt-get'), versions: none })).toEqual({ action: 'install' })
    expect(planPostgres({ env: { PATH: '/usr/bin' }, uid: 1000, isExecutable: files('/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/postgres'), versions: () => ['15'] }))
      .toEqual({ action: 'ok', bin: '/usr/lib/postgresql/15/bin' })
    for (const facts of [
      { env: { PATH: '/usr/bin' }, uid: 1000, isExecutable: files('/usr/bin/apt-get'), versions: none }, // not root
      { env: { PATH: '/usr/bin' }, uid: 0, isExecutable: files(), versions: none } // root without apt-get
    ]) {
      const plan = planPostgres(facts)
      expect(plan.action).toBe('stop')
      expect(plan.message).toMatch(/install it .*apt-get install postgresql/)
      expect(plan.message).not.toContain('\n')
    }
  })

  it('npm test stops within seconds, with one line and no test run, when PARLEY_POSTGRES_BIN points nowhere', () => {
    const run = spawnSync(process.execPath, ['scripts/run-tests.mjs'], {
      cwd: root, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PARLEY_POSTGRES_BIN: '/nonexistent/pg' }
    })
    expect(run.status).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain('PARLEY_POSTGRES_BIN is /nonexistent/pg')
    expect(run.stdout).not.toMatch(/passed|failed/)
  })
})
