import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const MESSAGE = /^parley needs Node 22 or newer \(this is v20\.\d+\.\d+\); run it through npm \(npm start, npx parley\), which uses the project's pinned Node$/

/** Makes this (new) Node report itself as Node 20 before bin/parley.js runs. */
const AS_NODE_20 = 'data:text/javascript,Object.defineProperty(process,"version",{value:"v20.1.0"});' +
  'Object.defineProperty(process,"versions",{value:{...process.versions,node:"20.1.0"}})'

describe('bin/parley.js on an old Node', () => {
  it('prints one line naming the runtime and exits 2, before loading anything that needs Node 22', () => {
    const run = spawnSync(process.execPath, ['--import', AS_NODE_20, 'bin/parley.js', '--version'], { cwd: root, encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.trim()).toMatch(MESSAGE)
  })

  // the machine's own Node (Debian's, 20 on these machines) when it is older than 22
  const systemNode = '/usr/bin/node'
  const systemMajor = existsSync(systemNode) ? Number(spawnSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) : NaN
  it.runIf(systemMajor < 22)(`the same with the system Node (${systemNode}, major ${systemMajor})`, () => {
    const run = spawnSync(systemNode, ['bin/parley.js', '--version'], { cwd: root, encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr.trim()).toMatch(MESSAGE)
  })

  it('runs on this Node', () => {
    const run = spawnSync(process.execPath, ['bin/parley.js', '--version'], { cwd: root, encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
