/**
 * `npm run bench`: runs every suite in bench/suites/ (or only those named on the command
 * line, e.g. `npm run bench -- crypto`), prints one table and writes bench-results.json.
 *
 * Every suite and every step runs under a deadline (bench/harness/deadlines.ts; environment
 * overrides for slow machines): a step that times out or throws becomes a failed figure with
 * its reason, the remaining suites still run, bench-results.json is rewritten after each suite,
 * and the exit code is 1 when any figure failed. SIGINT/SIGTERM stop the running suite, its
 * child processes (relays, the ack server) and write what was measured.
 *
 * PARLEY_BENCH_SUITES_DIR and PARLEY_BENCH_RESULTS change the suites' folder and the results file.
 */
import { constants } from 'node:os'
import { killAllChildrenNow, stopAllChildren } from './harness/children.js'
import { readDeadlines } from './harness/deadlines.js'
import { InterruptedError, reasonOf } from './harness/errors.js'
import { runSuites } from './harness/runner.js'
import { allFigures, formatTable, machine, recordFailure } from './results.js'

const suitesDir = process.env.PARLEY_BENCH_SUITES_DIR ?? new URL('./suites/', import.meta.url).pathname
const resultsFile = process.env.PARLEY_BENCH_RESULTS ?? new URL('../bench-results.json', import.meta.url).pathname

/** Writes `text` to stdout and exits once it is flushed (a pipe would otherwise lose the tail). */
function exitAfter (text: string, code: number): void {
  process.stdout.write(text, () => { process.exit(code) })
}

const interrupt = new AbortController()
let caught: NodeJS.Signals | undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (caught !== undefined) {
      // a second signal: do not wait for any cleanup
      killAllChildrenNow()
      process.exit(128 + constants.signals[signal])
    }
    caught = signal
    console.error(`# ${signal}: stopping the running suite and its child processes`)
    interrupt.abort(new InterruptedError(signal))
  })
}
// whatever happens, no relay outlives the runner
process.on('exit', killAllChildrenNow)
process.on('unhandledRejection', (err) => {
  console.error(`# unhandled rejection: ${reasonOf(err)}`)
  recordFailure('bench', 'unhandled rejection', reasonOf(err))
})

const deadlines = readDeadlines()
const summary = await runSuites({ suitesDir, wanted: process.argv.slice(2), resultsFile, deadlines, interrupt: interrupt.signal })
await stopAllChildren(deadlines.childKillMs)
const failed = summary.failed > 0 ? `\n${summary.failed} figure(s) failed` : ''
const code = caught !== undefined ? 128 + constants.signals[caught] : summary.failed > 0 ? 1 : 0
// suites given up on may still hold sockets or timers: exit explicitly rather than wait for them
exitAfter(`machine: ${machine()}\n${formatTable(allFigures())}\nwrote ${resultsFile}${failed}\n`, code)
