import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/processes.js'

describe('examples run', () => {
  it('examples/two-accounts.ts: a message both ways and one through the relay while offline', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/.bin/tsx'), join(ROOT, 'examples/two-accounts.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('bob got: Hello Bob!')
    expect(run.stdout).toContain('alice got: Hi Alice, loud and clear.')
    expect(run.stdout).toContain('bob got: This one waits at the relay while you are away.')
    expect(run.stdout.trim().endsWith('done')).toBe(true)
  }, 120_000)
})
