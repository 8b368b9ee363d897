#!/usr/bin/env node
// Runs the whole test suite (`npm test`).
// First checks the machine (scripts/preflight.mjs): installs Chromium when it is missing and
// we may (root with apt-get), or stops at once with one line saying what to install.
// Inside a fresh network namespace holding only `lo` when we are allowed to create one (root,
// as on CI), so no test can reach anything but 127.0.0.1. Prints vitest's own summary, then
// one plain line `N passed, N failed, N skipped` read from vitest's JSON report.
import { spawnSync } from 'node:child_process'
import { readFileSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { preflight } from './preflight.mjs'

const root = new URL('..', import.meta.url).pathname
const ready = preflight()
if (!ready.ok) {
  console.error(ready.message)
  process.exit(2)
}
const env = { ...process.env, ...ready.env }
const reportDir = join(root, 'test-results')
mkdirSync(reportDir, { recursive: true })
const reportFile = join(reportDir, 'vitest.json')
rmSync(reportFile, { force: true })

const vitest = join(root, 'node_modules', '.bin', 'vitest')
const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)]

const canIsolate = process.env.PARLEY_NO_NETNS !== '1' &&
  spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status === 0

const quoted = [vitest, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
const result = canIsolate
  ? spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], { stdio: 'inherit', cwd: root, env })
  : spawnSync(vitest, args, { stdio: 'inherit', cwd: root, env })

if (!canIsolate) console.log('note: tests ran without a private network namespace (not root?)')
try {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'))
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`)
} catch {
  console.log('0 passed, 1 failed')
}
process.exit(result.status ?? 1)
